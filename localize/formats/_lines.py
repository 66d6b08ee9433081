"""A line cursor shared by the line-based readers (SRT, WebVTT, SBV)."""

from __future__ import annotations


class Lines:
    """Lines of a file with a 1-based position, for readers that report line numbers."""

    def __init__(self, text: str):
        self.lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self.index = 0

    @property
    def number(self) -> int:
        return self.index + 1

    def done(self) -> bool:
        return self.index >= len(self.lines)

    def peek(self, ahead: int = 0) -> str | None:
        position = self.index + ahead
        return self.lines[position] if position < len(self.lines) else None

    def take(self) -> str:
        line = self.lines[self.index]
        self.index += 1
        return line

    def skip_blank(self) -> None:
        while not self.done() and not self.lines[self.index].strip():
            self.index += 1

    def take_block(self) -> list[str]:
        """Lines up to the next blank line (which is consumed)."""
        block = []
        while not self.done():
            line = self.take()
            if not line.strip():
                break
            block.append(line.rstrip())
        return block
