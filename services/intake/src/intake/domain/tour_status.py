"""Where an organisation stands in the tour (pure)."""

from __future__ import annotations

from enum import StrEnum


class TourStatus(StrEnum):
    """The tour status of an organisation, in the order the tour usually goes."""

    NIET_BENADERD = "niet benaderd"
    VOORGESPREK_GEPLAND = "voorgesprek gepland"
    VOORGESPREK_GEHOUDEN = "voorgesprek gehouden"
    SESSIE_GEWENST = "sessie gewenst"
    SESSIE_GEPLAND = "sessie gepland"
    SESSIE_GEHOUDEN = "sessie gehouden"
    GEEN_INTERESSE = "geen interesse"
