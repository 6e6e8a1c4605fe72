"""Routes: health (to be filled by its owner; see docs/ARCHITECTURE.md)."""

from fastapi import APIRouter

router = APIRouter()
