"""The book's command line: ``python -m deblurbook <command> [options]``.

    reproduce   execute the book's notebooks with papermill at a profile
    render      render the executed notebooks to HTML with Jupyter Book
    train       train one named experiment (resumable; torchrun for DDP)
    deblur      run a trained model of the book on one's own images

``python -m deblurbook <command> --help`` lists a command's options.
"""

from __future__ import annotations

import sys


def _reproduce(argv: list[str]) -> int:
    from . import chapters
    from .book import reproduce

    return reproduce.main(argv, after_chapter=chapters.save_scoring_record)


def _render(argv: list[str]) -> int:
    from . import chapters
    from .book import render

    return render.main(argv, pages={"budgets_table.md": chapters.budgets_table(), "headlines.md": chapters.headlines()})


def _train(argv: list[str]) -> int:
    from .training import cli

    return cli.main(argv)


def _deblur(argv: list[str]) -> int:
    from .training import deblur

    return deblur.main(argv)


COMMANDS = {"reproduce": _reproduce, "render": _render, "train": _train, "deblur": _deblur}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    if not argv or argv[0] not in COMMANDS:
        got = f", got {argv[0]!r}" if argv else ""
        print(f"python -m deblurbook: expected a command ({', '.join(COMMANDS)}){got}\n{__doc__}", file=sys.stderr)
        return 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main())
