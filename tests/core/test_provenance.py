from deblurbook.core import provenance


def test_closure_follows_static_imports_only():
    found = provenance.closure(["deblurbook.chapters.ch02"])
    assert "deblurbook.models.flow_deblur" in found and "deblurbook.nn.scan" in found
    own = ("deblurbook.chapters.ch02", "deblurbook.chapters.ch02.")  # the chapter's package and its modules
    assert not any(m.startswith("deblurbook.chapters.ch0") and not m.startswith(own) for m in found)
    assert "deblurbook.chapters.ch02.experiments" in found
    assert "deblurbook.book.reproduce" not in found  # the runner does not train anything


def test_code_digest_changes_with_the_code_it_covers(monkeypatch, tmp_path):
    before = provenance.code_digest(["deblurbook.chapters.ch02"])
    edited = tmp_path / "flow_deblur.py"
    edited.write_text(provenance.modules()["deblurbook.models.flow_deblur"].read_text() + "\nEDITED = True\n")
    modules = dict(provenance.modules())
    modules["deblurbook.models.flow_deblur"] = edited
    monkeypatch.setattr(provenance, "modules", lambda: modules)
    assert provenance.code_digest(["deblurbook.chapters.ch02"]) != before
    assert provenance.code_digest(["deblurbook.imaging.metrics"]) == provenance.code_digest(
        ["deblurbook.imaging.metrics"]
    )


def test_reads_are_recorded_only_when_asked(monkeypatch, tmp_path):
    log = tmp_path / "reads.txt"
    provenance.record_read(tmp_path / "a.json")
    assert not log.exists()
    monkeypatch.setenv(provenance.READS_VARIABLE, str(log))
    provenance.record_read(tmp_path / "a.json")
    assert log.read_text().split() == [str((tmp_path / "a.json").resolve())]


def test_code_text_ignores_docstrings_comments_and_layout_but_not_code():
    plain = 'def f(x):\n    """Doubles."""\n    return 2 * x  # twice\n'
    laid_out = "def f(\n    x,\n):\n    # no docstring now\n    return (2 * x)\n"
    assert provenance.code_text(plain) == provenance.code_text(laid_out)
    assert provenance.code_text(plain) != provenance.code_text("def f(x):\n    return 3 * x\n")
    assert provenance.code_text('def g():\n    """Only a docstring."""\n') == provenance.code_text(
        "def g():\n    pass\n"
    )
    assert provenance.code_text("    lambda x: (x,") == "    lambda x: (x,"  # a fragment is its text


def test_code_digest_ignores_a_comment_but_not_a_changed_constant(monkeypatch, tmp_path):
    name = "deblurbook.imaging.metrics"
    source = provenance.modules()[name].read_text()
    before = provenance.code_digest([name])
    modules = dict(provenance.modules())
    monkeypatch.setattr(provenance, "modules", lambda: modules)
    modules[name] = tmp_path / "commented.py"
    modules[name].write_text("# a comment\n" + source)
    assert provenance.code_digest([name]) == before
    modules[name] = tmp_path / "changed.py"
    modules[name].write_text(source + "\nEXTRA = 1\n")
    assert provenance.code_digest([name]) != before
