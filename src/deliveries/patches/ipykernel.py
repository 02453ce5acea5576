"""ipykernel's patch ``ipykernel-debugger``: a report kernel starts without Jupyter's debugger.

ipykernel imports ``debugpy`` while it starts, for a debugger a report kernel never offers. With
``debugpy`` set to None in ``sys.modules`` that import fails, and ipykernel goes on without a
debugger, as it does where debugpy is not installed.
"""

from __future__ import annotations

from . import enabled

DECLINE_DEBUGGER = "import sys; sys.modules.setdefault('debugpy', None)\n"
LAUNCH = "from ipykernel import kernelapp; kernelapp.launch_new_instance()"


def launcher_arguments() -> list[str]:
    """The interpreter's arguments that start a kernel: ipykernel's launcher, as jupyter_client
    runs it (``-m ipykernel_launcher``), or the same launch with the debugger declined."""
    if enabled("ipykernel-debugger"):
        return ["-c", DECLINE_DEBUGGER + LAUNCH]
    return ["-m", "ipykernel_launcher"]
