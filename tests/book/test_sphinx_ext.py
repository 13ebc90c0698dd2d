from deblurbook.book import sphinx_ext


def test_mathjax_is_copied_from_the_installed_package(tmp_path):
    target = sphinx_ext.copy_mathjax(tmp_path)
    assert (target / "tex-chtml.js").stat().st_size > 500_000
    assert any((target / "output" / "chtml" / "fonts").rglob("*.woff"))
    assert sphinx_ext.MATHJAX_PATH == "mathjax/es5/tex-chtml.js"


def test_each_script_is_kept_once():
    from sphinx.builders.html._assets import _JavaScript

    thebe = "const THEBE_JS_URL = 1"  # added twice, once with filename None and once with ""
    context = {
        "script_files": [
            _JavaScript(None, body=thebe),
            _JavaScript("a.js"),
            _JavaScript("", body=thebe),
            _JavaScript("a.js"),
            _JavaScript("b.js"),
        ]
    }
    sphinx_ext._one_of_each_script(None, "page", "page.html", context, None)
    assert [(s.filename, s.attributes.get("body")) for s in context["script_files"]] == [
        (None, thebe),
        ("a.js", None),
        ("b.js", None),
    ]
