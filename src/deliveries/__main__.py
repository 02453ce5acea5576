"""``python -m deliveries ...``: the same command line as ``deliveries ...``."""

from .cli import run

if __name__ == "__main__":
    run()
