"""helpers.config: one parser for on/off environment variables, one repository root."""

import pytest

from helpers.config import flag, offline_forced, repo_root


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), (" Yes ", True), ("on", True),
                                             ("0", False), ("false", False), ("no", False), ("off", False), ("", False)])
def test_flag_reads_on_and_off_words(monkeypatch, value, expected):
    monkeypatch.setenv("COURSE_TEST_FLAG", value)
    assert flag("COURSE_TEST_FLAG") is expected


def test_unset_flag_is_off_and_a_typo_is_an_error(monkeypatch):
    monkeypatch.delenv("COURSE_TEST_FLAG", raising=False)
    assert flag("COURSE_TEST_FLAG") is False
    monkeypatch.setenv("COURSE_TEST_FLAG", "yse")
    with pytest.raises(ValueError, match="COURSE_TEST_FLAG='yse'"):
        flag("COURSE_TEST_FLAG")


def test_tqdm_disable_0_disables_nothing(monkeypatch):
    from helpers.domains import images

    monkeypatch.setenv("TQDM_DISABLE", "0")
    assert images.quiet_fastai_if_asked() is False
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    assert offline_forced() is False


def test_repo_root_holds_the_course():
    assert {"helpers", "solutions", "labs", "tests"} <= {p.name for p in repo_root().iterdir()}
