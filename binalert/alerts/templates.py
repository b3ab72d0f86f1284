"""Alert templates in nl, fr, de and en: one form gives every member's language.

The texts inform and advise (stay inside, lock up, call 101 with information). A BIN never
does police work, so no text asks members to follow, watch, patrol or intervene.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from binalert.models import Language
from binalert.text import ShortText

Plate = Annotated[str, StringConstraints(min_length=1, max_length=12, pattern=r"^[A-Za-z0-9 .-]+$")]


class SuspectVehicle(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["suspect_vehicle"]
    make: ShortText
    colour: ShortText
    plate: Plate
    direction: ShortText


class SuspectPerson(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["suspect_person"]
    description: ShortText
    direction: ShortText


class AllClear(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["all_clear"]


TemplateFields = Annotated[SuspectVehicle | SuspectPerson | AllClear, Field(discriminator="kind")]

TEXTS: dict[str, dict[Language, str]] = {
    "suspect_vehicle": {
        Language.NL: (
            "De politie meldt een verdacht voertuig in uw buurt: {make}, kleur {colour}, "
            "nummerplaat {plate}, weggereden in de richting van {direction}. "
            "Blijf binnen, sluit deuren en ramen en laat de buitenverlichting branden. "
            "Volg het voertuig niet en grijp niet zelf in. "
            "Hebt u informatie? Bel de politie op 101."
        ),
        Language.FR: (
            "La police signale un véhicule suspect dans votre quartier : {make}, couleur "
            "{colour}, plaque {plate}, parti en direction de {direction}. "
            "Restez à l'intérieur, fermez portes et fenêtres et laissez l'éclairage extérieur "
            "allumé. Ne suivez pas le véhicule et n'intervenez pas vous-même. "
            "Vous avez des informations ? Appelez la police au 101."
        ),
        Language.DE: (
            "Die Polizei meldet ein verdächtiges Fahrzeug in Ihrer Nachbarschaft: {make}, Farbe "
            "{colour}, Kennzeichen {plate}, weggefahren in Richtung {direction}. "
            "Bleiben Sie im Haus, schließen Sie Türen und Fenster und lassen Sie die "
            "Außenbeleuchtung an. Folgen Sie dem Fahrzeug nicht und greifen Sie nicht selbst "
            "ein. Haben Sie Informationen? Rufen Sie die Polizei unter 101 an."
        ),
        Language.EN: (
            "The police report a suspicious vehicle in your neighbourhood: {make}, colour "
            "{colour}, number plate {plate}, last seen heading towards {direction}. "
            "Stay inside, lock your doors and windows and leave the outside lights on. "
            "Do not follow the vehicle and do not intervene yourself. "
            "If you have information, call the police on 101."
        ),
    },
    "suspect_person": {
        Language.NL: (
            "De politie meldt een verdachte persoon in uw buurt: {description}, "
            "vertrokken in de richting van {direction}. "
            "Blijf binnen, sluit deuren en ramen en laat de buitenverlichting branden. "
            "Spreek de persoon niet aan en grijp niet zelf in. "
            "Hebt u informatie? Bel de politie op 101."
        ),
        Language.FR: (
            "La police signale une personne suspecte dans votre quartier : {description}, "
            "partie en direction de {direction}. "
            "Restez à l'intérieur, fermez portes et fenêtres et laissez l'éclairage extérieur "
            "allumé. N'abordez pas cette personne et n'intervenez pas vous-même. "
            "Vous avez des informations ? Appelez la police au 101."
        ),
        Language.DE: (
            "Die Polizei meldet eine verdächtige Person in Ihrer Nachbarschaft: {description}, "
            "unterwegs in Richtung {direction}. "
            "Bleiben Sie im Haus, schließen Sie Türen und Fenster und lassen Sie die "
            "Außenbeleuchtung an. Sprechen Sie die Person nicht an und greifen Sie nicht selbst "
            "ein. Haben Sie Informationen? Rufen Sie die Polizei unter 101 an."
        ),
        Language.EN: (
            "The police report a suspicious person in your neighbourhood: {description}, "
            "last seen heading towards {direction}. "
            "Stay inside, lock your doors and windows and leave the outside lights on. "
            "Do not approach the person and do not intervene yourself. "
            "If you have information, call the police on 101."
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


def render(
    fields: SuspectVehicle | SuspectPerson | AllClear, languages: list[Language]
) -> dict[str, str]:
    """The template's text in each language, in the given order (the first is the fallback)."""
    values = fields.model_dump(exclude={"kind"})
    if "plate" in values:
        values["plate"] = values["plate"].upper()
    texts = TEXTS[fields.kind]
    return {lang.value: texts[lang].format(**values) for lang in languages}
