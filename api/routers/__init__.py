"""One module per route group, each an `APIRouter` with its own prefix and tags."""
