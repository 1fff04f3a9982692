"""HTTP routes of the biennial evaluation tracking (thin: parse, call service, answer)."""

from __future__ import annotations

from fastapi import APIRouter

routers: tuple[APIRouter, ...] = ()
