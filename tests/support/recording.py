"""RecordingRunner: a Runner that records every command and answers from rules.

Used for Windows certutil and macOS security, which cannot run here: the answers replay recorded
outputs (../shared/os-tool-outputs.md; each test file cites its sources and marks what is
synthetic), and a rule's `effect` can read the files the adapter passed (they exist while the
command "runs") to keep a fake store's state, or raise CommandTimedOut like the real runner.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from clustertrust.platform.runner import DEFAULT_TIMEOUT, CommandError, CommandResult, redact

Answer = tuple[int, str, str]  # returncode, stdout, stderr
Effect = Callable[[tuple[str, ...], bytes | None], Answer | None]


@dataclass
class Call:
    argv: tuple[str, ...]  # as the adapter passed it (secrets included)
    shown: tuple[str, ...]  # redacted, as it would be logged
    input: bytes | None
    secrets: tuple[str, ...]
    timeout: float = DEFAULT_TIMEOUT


@dataclass
class Rule:
    words: tuple[str, ...]
    answer: Answer
    effect: Effect | None = None

    def matches(self, argv: Sequence[str]) -> bool:
        position = 0
        for word in self.words:
            try:
                position = list(argv).index(word, position) + 1
            except ValueError:
                return False
        return True


@dataclass
class RecordingRunner:
    """Rules are tried newest first; a command no rule matches exits 0 with no output."""

    rules: list[Rule] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)

    def on(
        self,
        *words: str,
        returncode: int = 0,
        stdout: str = "",
        stderr: str = "",
        effect: Effect | None = None,
    ) -> RecordingRunner:
        """Answer commands holding `words` in this order (each an exact argv item)."""
        self.rules.insert(0, Rule(words, (returncode, stdout, stderr), effect))
        return self

    def run(
        self,
        argv: Sequence[str],
        *,
        input: bytes | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        secrets: Iterable[str] = (),
        check: bool = True,
    ) -> CommandResult:
        secrets = tuple(secrets)
        shown = tuple(redact(a, secrets) for a in argv)
        self.calls.append(Call(tuple(argv), shown, input, secrets, timeout))
        answer: Answer = (0, "", "")
        for rule in self.rules:
            if rule.matches(argv):
                answer = rule.answer
                if rule.effect is not None:
                    answer = rule.effect(tuple(argv), input) or answer
                break
        code, out, err = answer
        result = CommandResult(shown, code, redact(out, secrets), redact(err, secrets), 0.0)
        if check and code != 0:
            raise CommandError(shown, code, result.output)
        return result

    def argvs(self) -> list[tuple[str, ...]]:
        return [c.argv for c in self.calls]

    def shown(self) -> list[str]:
        return [" ".join(c.shown) for c in self.calls]
