"""Board members sit in a capacity (issue 17): the plain many-to-many becomes BoardMembership on the same
table, so every existing membership is kept (as "member"), then the board's chair, where a user, gets a
membership as "chair" (added if the chair was not ticked as a member)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def roles_from_chairs(apps, schema_editor):
    Board = apps.get_model("meetings", "Board")
    BoardMembership = apps.get_model("meetings", "BoardMembership")
    for board in Board.objects.filter(chair__isnull=False):
        BoardMembership.objects.update_or_create(board=board, user_id=board.chair_id, defaults={"role": "chair"})


def chairs_back_to_members(apps, schema_editor):
    # Going back, the plain many-to-many keeps everyone, the chair among them; only the roles go.
    pass


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0005_written_updates_and_links"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # State only: the model Django made for the many-to-many (id, board_id, user_id, unique pair) is
        # now ours, on the very same table; the database does not change here.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="BoardMembership",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "board",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="memberships",
                                to="meetings.board",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="board_memberships",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={"db_table": "meetings_board_members", "unique_together": {("board", "user")}},
                ),
                migrations.AlterField(
                    model_name="board",
                    name="members",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="boards",
                        through="meetings.BoardMembership",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[],
        ),
        # The one real change to the table: the role column, every existing row a "member".
        migrations.AddField(
            model_name="boardmembership",
            name="role",
            field=models.CharField(
                choices=[
                    ("chair", "Chair"),
                    ("vice_chair", "Vice-chair"),
                    ("member", "Member"),
                    ("adviser", "DfE adviser or commissioner"),
                    ("observer", "Observer"),
                    ("officer", "Officer in attendance"),
                ],
                default="member",
                max_length=16,
            ),
        ),
        migrations.RunPython(roles_from_chairs, chairs_back_to_members),
    ]
