from unittest import mock

import pytest

from helpers import profile


def test_env_chooses_profile(monkeypatch):
    for name in ("full", "cpu", "smoke"):
        monkeypatch.setenv("COURSE_PROFILE", name)
        assert profile.current().name == name


def test_unknown_profile_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "turbo")
    with pytest.raises(profile.UnknownProfileError, match="full, cpu, smoke"):
        profile.current()


def test_automatic_follows_the_hardware(monkeypatch):
    monkeypatch.delenv("COURSE_PROFILE")
    with mock.patch("torch.cuda.is_available", return_value=True):
        assert profile.current().name == "full"
    with mock.patch("torch.cuda.is_available", return_value=False):
        assert profile.current().name == "cpu"


def test_sizes_shrink_from_full_to_smoke():
    full, cpu, smoke = (profile.get(n) for n in ("full", "cpu", "smoke"))
    assert full.image_size > cpu.image_size > smoke.image_size
    assert cpu.train_size > smoke.train_size and full.train_size is None
    assert smoke.use_standins and not cpu.use_standins


def test_pick_and_table():
    smoke = profile.get("smoke")
    assert smoke.pick(full=1, cpu=2, smoke=3) == 3
    assert "epochs" in smoke.table()


def test_offline_in_smoke_or_when_forced(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "cpu")
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    assert not profile.offline()
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    assert profile.offline()
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    assert profile.offline()
