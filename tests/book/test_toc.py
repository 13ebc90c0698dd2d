import pytest

from deblurbook.book import toc

CHAPTERS = ["ch00", "ch01", "ch02", "ch03", "ch04", "ch05", "ch06", "ch07"]


def test_book_toc_has_the_chapters_in_the_fixed_order(repo):
    pages = toc.entries(repo)
    assert pages[0].file == "book/intro"
    chapters = [e.chapter for e in pages if e.file.startswith("book/ch")]
    assert chapters == CHAPTERS


def test_notebooks_live_under_their_chapter_folder(repo):
    for entry in toc.notebooks(repo):
        folder, name = entry.path.parent.name, entry.path.name
        assert folder.startswith(entry.chapter + "_"), entry.path
        assert name[:2] == entry.chapter[2:] and name[2] == "." and name[5] == "-", name


def test_chapter_filter(fake_book):
    assert [e.chapter for e in toc.notebooks(fake_book)] == ["ch09", "ch08"]
    assert [e.chapter for e in toc.notebooks(fake_book, "ch08")] == ["ch08"]


def test_missing_entry_is_named(fake_book):
    (fake_book / "_toc.yml").write_text("format: jb-book\nroot: book/nothere\n")
    with pytest.raises(FileNotFoundError, match="book/nothere"):
        toc.entries(fake_book)


def test_wrong_format_is_refused(fake_book):
    (fake_book / "_toc.yml").write_text("format: jb-article\nroot: book/intro\n")
    with pytest.raises(ValueError, match="jb-book"):
        toc.entries(fake_book)
