"""Matcher tests need no app and no database: records in, ranked results out."""

from __future__ import annotations

import pytest

from matcher.tokenize import DomainTokenizer


@pytest.fixture(scope="session")
def tokenizer() -> DomainTokenizer:
    return DomainTokenizer()
