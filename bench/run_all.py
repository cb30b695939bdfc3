"""Run every benchmark script in this folder, one after another, in its own process."""

import os
import subprocess
import sys
from pathlib import Path

here = Path(__file__).resolve().parent
failed = []
for script in sorted(here.glob("bench_*.py")):
    print(f"\n== {script.name}", flush=True)
    result = subprocess.run([sys.executable, str(script)], cwd=here.parent, env={**os.environ, "DEBUG": "true"})
    if result.returncode:
        failed.append(script.name)
sys.exit(f"failed: {', '.join(failed)}" if failed else 0)
