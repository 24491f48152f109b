"""What a verification is asked for and answers with: the trust modes, the report and each
consumer's result (core.actions.verify runs it), and the address check done before anything
is read."""

from __future__ import annotations

from clustertrust.core.target import parse_target
from clustertrust.core.verify.result import ConsumerResult
from clustertrust.core.verify.run import BOTH, DEFAULT_TIMEOUT, TrustMode, VerifyReport

__all__ = ["BOTH", "DEFAULT_TIMEOUT", "ConsumerResult", "TrustMode", "VerifyReport", "parse_target"]
