"""Password hashing (argon2id, OWASP parameters, re-hash, equal time) and the password rules."""

from __future__ import annotations

import time

import pytest

from spruce.auth.passwords import PasswordHasher, is_usable, unusable_password
from spruce.auth.validation import (
    CommonPasswords,
    LengthLimits,
    NotAllNumeric,
    SimilarToAttributes,
    validate_password,
)

FAST = {"memory_kib": 1024, "time_cost": 1}


def test_the_default_hash_is_argon2id_with_at_least_owasp_parameters():
    stored = PasswordHasher().hash("correct horse battery staple")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_verify_accepts_the_password_and_refuses_others_without_raising():
    hasher = PasswordHasher(**FAST)
    stored = hasher.hash("correct horse battery staple")
    assert stored != hasher.hash("correct horse battery staple")  # a fresh salt each time
    assert hasher.verify(stored, "correct horse battery staple")
    assert not hasher.verify(stored, "correct horse battery stapl")
    assert not hasher.verify(stored, "")
    assert not hasher.verify("not a hash", "anything")
    assert not hasher.verify(None, "anything")
    assert not hasher.verify("$argon2id$v=19$m=1024,t=1,p=1$broken", "anything")


def test_unusable_passwords_match_nothing():
    hasher = PasswordHasher(**FAST)
    marker = unusable_password()
    assert not is_usable(marker) and is_usable(hasher.hash("x"))
    assert not hasher.verify(marker, marker)
    assert not hasher.verify(marker, marker[1:])
    assert not hasher.needs_rehash(marker)


def test_hashes_made_with_weaker_parameters_need_a_rehash():
    old = PasswordHasher(memory_kib=1024, time_cost=1).hash("pw")
    current = PasswordHasher(memory_kib=2048, time_cost=1)
    assert current.needs_rehash(old)
    assert not current.needs_rehash(current.hash("pw"))
    assert current.verify(old, "pw")  # old hashes still verify
    assert current.needs_rehash("$2b$12$bcryptlookingvalue")  # another algorithm


def _fastest(*works, rounds=9):
    """The fastest run of each of ``works``, measured in turns (so load on the machine falls on
    all of them alike)."""
    best = [float("inf")] * len(works)
    for _ in range(rounds):
        for index, work in enumerate(works):
            started = time.perf_counter()
            work()
            best[index] = min(best[index], time.perf_counter() - started)
    return best


def test_an_unknown_user_costs_as_much_as_a_wrong_password():
    hasher = PasswordHasher(memory_kib=8192, time_cost=2)
    stored = hasher.hash("the real password")
    marker = unusable_password()
    hasher.verify_dummy("warm up")
    wrong, unknown, unusable = _fastest(
        lambda: hasher.verify(stored, "a wrong password"),
        lambda: hasher.verify_dummy("a wrong password"),
        lambda: hasher.verify(marker, "a wrong password"),
    )
    assert 0.6 < unknown / wrong < 1.6, (wrong, unknown)
    assert 0.6 < unusable / wrong < 1.6, (wrong, unusable)


async def test_async_hashing_runs_in_the_thread_pool():
    hasher = PasswordHasher(**FAST)
    stored = await hasher.hash_async("pw one")
    assert await hasher.verify_async(stored, "pw one")
    assert not await hasher.verify_async(stored, "pw two")
    await hasher.verify_dummy_async("pw")


# -- the rules ------------------------------------------------------------------------------------


def test_length_limits():
    rule = LengthLimits(8, 64)
    assert rule.check("short", {}) == "This password is too short: use at least 8 characters."
    assert rule.check("x" * 65, {}) == "This password is too long: use at most 64 characters."
    assert rule.check("just right", {}) is None


@pytest.mark.parametrize(
    "password",
    [
        "password",
        "Password123!",
        "P@ssw0rd",
        "dragon2024",
        "qwertyuiop",
        "12345678",
        "iloveyou!!",
        "aaaaaaaaaa",
        "abcdefghij",
        "87654321",
        "Sunshine#1",
        "LETMEIN",
        "monkey_monkey1"[:6] + "99",
    ],
)
def test_common_passwords_and_their_variants_are_refused(password):
    assert CommonPasswords().is_common(password), password


@pytest.mark.parametrize(
    "password",
    ["correct horse battery staple", "tr0ub4dor&3-is-long", "Xq7!mz2#Lp", "spruce-owl-42-window"],
)
def test_uncommon_passwords_pass(password):
    assert not CommonPasswords().is_common(password), password


def test_the_list_ships_with_the_package():
    words = CommonPasswords().words
    assert len(words) > 400
    assert "123456" in words and "password" in words


def test_similarity_to_the_user_name_and_address():
    rule = SimilarToAttributes()
    assert rule.check("annabelle1", {"username": "annabelle"}) is not None
    assert rule.check("Annabelle", {"username": "annabelle"}) is not None
    assert rule.check("ann.smith@example", {"email": "ann.smith@example.com"}) is not None
    assert "user name" in (rule.check("smithers99", {"username": "smithers"}) or "")
    assert rule.check("ann likes long walks", {"username": "ann"}) is None
    assert rule.check("correct horse battery staple", {"username": "ann"}) is None


def test_the_similarity_check_is_bounded_for_huge_inputs():
    started = time.perf_counter()
    SimilarToAttributes().check("a" * 100_000, {"username": "b" * 100_000})
    assert time.perf_counter() - started < 0.5


def test_all_numeric():
    assert NotAllNumeric().check("12345678901234", {}) == "This password is only digits."
    assert NotAllNumeric().check("1234567890x", {}) is None


def test_validate_password_lists_every_problem_once():
    assert validate_password("correct horse battery staple", username="ann") == []
    problems = validate_password("1234", username="ann")
    assert problems == [
        "This password is too short: use at least 8 characters.",
        "This password is too common.",
        "This password is only digits.",
    ]
    assert validate_password("long enough\x00really") == [
        "Remove the null character (\\0) from this password."
    ]
    assert validate_password("short", validators=[LengthLimits(3)]) == []
