"""The Textual kiosk: the barista's live queue, QR panel and keys. It holds no rules."""

from __future__ import annotations

from kiosk.app import KioskApp

__all__ = ["KioskApp"]
