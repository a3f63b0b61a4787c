"""The `helpers` command: `helpers grade ...`, `helpers build ...`, `helpers bench ...`, `helpers gpu-check`, `helpers report`.

    helpers grade submissions/ --out grades/ --jobs 2
"""

from __future__ import annotations

import sys

COMMANDS = {
    "grade": "helpers.grading.cli",
    "build": "helpers.grading.build",
    "bench": "helpers.grading.bench",
    "gpu-check": "helpers.grading.gpu_check",
    "report": "helpers.device",
}


def main(argv: list[str] | None = None) -> int:
    """Dispatch to a sub-command; with none, print the list.

    >>> main([])
    usage: helpers {grade,build,bench,gpu-check,report} [options]   (helpers COMMAND --help for more)
    0
    >>> main(["frobnicate"])
    usage: helpers {grade,build,bench,gpu-check,report} [options]   (helpers COMMAND --help for more)
    2
    """
    import importlib

    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        print("usage: helpers {grade,build,bench,gpu-check,report} [options]   (helpers COMMAND --help for more)")
        return 0 if not argv else 2
    command, rest = argv[0], argv[1:]
    if command == "report":
        importlib.import_module(COMMANDS[command]).system_report()
        return 0
    return importlib.import_module(COMMANDS[command]).main(rest)


if __name__ == "__main__":
    sys.exit(main())
