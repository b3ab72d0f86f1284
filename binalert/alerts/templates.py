"""Alert templates in nl, fr, de and en: one form gives every member's language.

The texts inform and advise (stay inside, lock up, call 101 with information). A BIN never
does police work, so no text asks members to follow, watch, patrol or intervene.

Words (colour, kind of vehicle, who was seen, clothing) are chosen from the lists of
alerts.words, so each language says them in its own words and forms; only proper nouns (make,
street, place) are typed, and the sentences read well around them whatever their article.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from binalert.alerts.words import (
    PLURAL_WHO,
    WHO,
    Clothing,
    ColourField,
    Vehicle,
    Who,
    clothing_phrase,
    vehicle_phrase,
)
from binalert.models import Language
from binalert.text import ShortText

Plate = Annotated[str, StringConstraints(min_length=1, max_length=12, pattern=r"^[A-Za-z0-9 .-]+$")]
PROPER_NOUN = (
    "typed as it is written, with its own article if it has one (de Markt, rue de la Station)"
)


class SuspectVehicle(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["suspect_vehicle"]
    vehicle: Vehicle = Field(default="car", description="the kind of vehicle")
    make: ShortText = Field(description="make and model, a proper noun (Volkswagen Golf)")
    colour: ColourField = Field(
        description="a colour from the list (a colour word in nl/fr/de/en is also taken)"
    )
    plate: Plate
    direction: ShortText = Field(description=f"a street or place, {PROPER_NOUN}")


class SuspectPerson(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["suspect_person"]
    who: Who = Field(default="person", description="who was seen")
    clothing: Clothing | None = Field(default=None, description="what one of them wears")
    clothing_colour: ColourField | None = None
    direction: ShortText = Field(description=f"a street or place, {PROPER_NOUN}")

    @model_validator(mode="after")
    def _colour_of_something(self) -> SuspectPerson:
        if self.clothing_colour is not None and self.clothing is None:
            raise ValueError("clothing_colour needs clothing")
        return self


class AllClear(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["all_clear"]


TemplateFields = Annotated[SuspectVehicle | SuspectPerson | AllClear, Field(discriminator="kind")]

STAY_IN = {
    Language.NL: "Blijf binnen, sluit deuren en ramen en laat de buitenverlichting branden. ",
    Language.FR: (
        "Restez à l'intérieur, fermez portes et fenêtres et laissez l'éclairage extérieur allumé. "
    ),
    Language.DE: (
        "Bleiben Sie im Haus, schließen Sie Türen und Fenster und lassen Sie die "
        "Außenbeleuchtung an. "
    ),
    Language.EN: "Stay inside, lock your doors and windows and leave the outside lights on. ",
}
CALL_101 = {
    Language.NL: "Hebt u informatie? Bel de politie op 101.",
    Language.FR: "Vous avez des informations ? Appelez la police au 101.",
    Language.DE: "Haben Sie Informationen? Rufen Sie die Polizei unter 101 an.",
    Language.EN: "If you have information, call the police on 101.",
}
# Each sentence reads well around a typed proper noun, whatever its own article: "richting
# de Markt", "direction : rue de la Station", "in Richtung Kirchstraße".
TEXTS: dict[str, dict[Language, str]] = {
    # Short: with the plate said twice (with spelling words), the whole call must stay within
    # 50 s (tts.CALL_LIMIT_S; tests/test_alert_templates.py measures it per language).
    "suspect_vehicle": {
        Language.NL: (
            "Verdacht voertuig: {vehicle}, {make}, nummerplaat {plate}, "
            "richting {direction}. Blijf binnen. Volg het voertuig niet. "
            "Informatie? Bel 101."
        ),
        Language.FR: (
            "Véhicule suspect : {vehicle}, {make}, plaque {plate}, "
            "direction : {direction}. Restez chez vous et ne le suivez pas. "
            "Informations : appelez le 101."
        ),
        Language.DE: (
            "Verdächtiges Fahrzeug: {vehicle}, {make}, Kennzeichen {plate}, "
            "Richtung {direction}. Bleiben Sie im Haus. Folgen Sie dem Fahrzeug nicht. "
            "Hinweise unter 101."
        ),
        Language.EN: (
            "Suspicious vehicle: {vehicle}, {make}, number plate {plate}, "
            "heading towards {direction}. Stay inside. Do not follow the vehicle. "
            "Information? Call 101."
        ),
    },
    "suspect_person": {
        Language.NL: (
            "De politie meldt {who} in uw buurt{clothing}, vertrokken richting {direction}. "
            + STAY_IN[Language.NL]
            + "Spreek niemand aan en grijp niet zelf in. "
            + CALL_101[Language.NL]
        ),
        Language.FR: (
            "La police signale {who} dans votre quartier{clothing}, direction : {direction}. "
            + STAY_IN[Language.FR]
            + "N'abordez personne et n'intervenez pas vous-même. "
            + CALL_101[Language.FR]
        ),
        Language.DE: (
            "Die Polizei meldet {who} in Ihrer Nachbarschaft{clothing}, unterwegs in "
            "Richtung {direction}. "
            + STAY_IN[Language.DE]
            + "Sprechen Sie niemanden an und greifen Sie nicht selbst ein. "
            + CALL_101[Language.DE]
        ),
        Language.EN: (
            "The police report {who} in your neighbourhood{clothing}, last seen heading "
            "towards {direction}. "
            + STAY_IN[Language.EN]
            + "Do not approach anyone and do not intervene yourself. "
            + CALL_101[Language.EN]
        ),
    },
    "all_clear": {
        Language.NL: (
            "Bericht van de politie: de situatie in uw buurt is opnieuw normaal. "
            "Dank u voor uw aandacht. Bij nieuwe informatie kunt u de politie bellen op 101."
        ),
        Language.FR: (
            "Message de la police : la situation dans votre quartier est revenue à la normale. "
            "Merci pour votre attention. Pour toute nouvelle information, appelez la police "
            "au 101."
        ),
        Language.DE: (
            "Mitteilung der Polizei: Die Lage in Ihrer Nachbarschaft ist wieder normal. "
            "Danke für Ihre Aufmerksamkeit. Neue Informationen melden Sie der Polizei unter 101."
        ),
        Language.EN: (
            "Message from the police: the situation in your neighbourhood is back to normal. "
            "Thank you for your attention. If you have new information, call the police on 101."
        ),
    },
}

DEFAULT_ORDER = (Language.NL, Language.FR, Language.DE, Language.EN)


WEARING = {  # one person wearing it / one of several
    Language.NL: (", met {clothes}", ", van wie één {clothes} draagt"),
    Language.FR: (", portant {clothes}", ", dont l'une porte {clothes}"),
    Language.DE: (", mit {clothes}", ", eine davon mit {clothes}"),
    Language.EN: (", wearing {clothes}", ", one of them wearing {clothes}"),
}


def _person_values(fields: SuspectPerson, lang: Language) -> dict[str, str]:
    clothing = ""
    if fields.clothing is not None:
        clothes = clothing_phrase(fields.clothing, fields.clothing_colour, lang)
        one, of_several = WEARING[lang]
        clothing = (of_several if fields.who in PLURAL_WHO else one).format(clothes=clothes)
    return {"who": WHO[fields.who][lang], "clothing": clothing, "direction": fields.direction}


def _values(fields: SuspectVehicle | SuspectPerson | AllClear, lang: Language) -> dict[str, str]:
    if isinstance(fields, SuspectVehicle):
        return {
            "vehicle": vehicle_phrase(fields.vehicle, fields.colour, lang),
            "make": fields.make,
            "plate": fields.plate.upper(),
            "direction": fields.direction,
        }
    if isinstance(fields, SuspectPerson):
        return _person_values(fields, lang)
    return {}


def render(
    fields: SuspectVehicle | SuspectPerson | AllClear, languages: list[Language]
) -> dict[str, str]:
    """The template's text in each language, in the given order (the first is the fallback)."""
    texts = TEXTS[fields.kind]
    return {lang.value: texts[lang].format(**_values(fields, lang)) for lang in languages}
