"""What happens to a material that someone hears of: its verbs, spelled once, and the event each one sends."""
from __future__ import annotations

from dataclasses import dataclass

from portal.core.events import Happened, Verb
from portal.materials.models import Material


class MaterialVerb(Verb):
    #: Announced to webhooks as "material.added", as it always was.
    UPLOAD = "upload", "material.uploaded", "material.added"


@dataclass(eq=False)
class MaterialEvent(Happened):
    verbs = MaterialVerb
    model = Material
    verb: MaterialVerb

    @property
    def material(self) -> Material | None:
        return self.record
