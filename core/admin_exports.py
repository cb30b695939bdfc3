"""Django admin's "Export selected" action, with each download recorded in the audit log."""

from import_export.admin import ExportActionMixin

from core import audit


class AuditedExportActionMixin(ExportActionMixin):
    # django-import-export sends every admin export (the action and the export page) through here.
    def _do_file_export(self, file_format, request, queryset, export_form=None):
        response = super()._do_file_export(file_format, request, queryset, export_form=export_form)
        opts = self.model._meta
        audit.record_download(
            request.user,
            response,
            f"{str(opts.verbose_name_plural).capitalize()} from Django admin ({file_format.get_title()})",
            model=opts.label_lower,
            ids=[str(pk) for pk in queryset.values_list("pk", flat=True)[:1000]],
        )
        return response
