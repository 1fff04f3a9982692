"""HTTP routes of the regional project registry (thin: parse, call service, answer)."""

from __future__ import annotations

from fastapi import APIRouter

routers: tuple[APIRouter, ...] = ()
