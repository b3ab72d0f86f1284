"""Prevention messages and follow-ups on an alert, in nl, fr, de and en.

Like the alert templates (binalert.alerts.templates), the texts inform and advise; a BIN never
does police work, so none asks members to watch, follow or intervene, and none asks them for
data or codes. They are read by a synthetic voice: whole words, no abbreviations.
"""

from __future__ import annotations

import enum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from binalert.models import Language
from binalert.text import ShortText

DEFAULT_ORDER = (Language.NL, Language.FR, Language.DE, Language.EN)


class Modus(enum.StrEnum):
    """Ways of working the police warn about, each with its own tips."""

    FAKE_TECHNICIAN = "fake_technician"
    FAKE_POLICE_CALL = "fake_police_call"
    DISTRACTION_THEFT = "distraction_theft"
    CAR_BREAK_IN = "car_break_in"


class HolidayWatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["holiday_watch"]


class DarkEvenings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["dark_evenings"]


class ModusOperandi(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["modus_operandi"]
    modus: Modus
    area: ShortText | None = Field(
        default=None, description="where it happened (a place name); default: the neighbourhood"
    )


PreventionFields = Annotated[
    HolidayWatch | DarkEvenings | ModusOperandi, Field(discriminator="kind")
]
FeedbackKind = Literal["arrest_made", "all_clear", "thanks"]
FEEDBACK_KINDS: tuple[FeedbackKind, ...] = ("arrest_made", "all_clear", "thanks")

_AREA = {
    Language.NL: ("in uw buurt", "in {area}"),
    Language.FR: ("dans votre quartier", "à {area}"),
    Language.DE: ("in Ihrer Nachbarschaft", "in {area}"),
    Language.EN: ("in your neighbourhood", "in {area}"),
}

PREVENTION: dict[str, dict[Language, str]] = {
    "holiday_watch": {
        Language.NL: (
            "Bericht van uw buurtinformatienetwerk. Gaat u op vakantie? Vraag bij uw lokale "
            "politie het gratis vakantietoezicht aan. Sluit deuren en ramen, laat een lamp met "
            "een tijdschakelaar branden en vraag een buur om uw brievenbus te legen. Meld uw "
            "afwezigheid niet op sociale media. Ziet u iets verdachts? Bel de politie op 101."
        ),
        Language.FR: (
            "Message de votre partenariat local de prévention. Vous partez en vacances ? "
            "Demandez la surveillance gratuite des habitations à votre police locale. Fermez "
            "portes et fenêtres, laissez une lampe sur minuterie et demandez à un voisin de "
            "vider votre boîte aux lettres. N'annoncez pas votre absence sur les réseaux "
            "sociaux. Vous remarquez quelque chose de suspect ? Appelez la police au 101."
        ),
        Language.DE: (
            "Mitteilung Ihres Nachbarschaftsinformationsnetzwerks. Fahren Sie in den Urlaub? "
            "Beantragen Sie bei Ihrer Polizei die kostenlose Urlaubsüberwachung. Schließen Sie "
            "Türen und Fenster, lassen Sie eine Lampe mit Zeitschaltuhr brennen und bitten Sie "
            "einen Nachbarn, Ihren Briefkasten zu leeren. Melden Sie Ihre Abwesenheit nicht in "
            "sozialen Medien. Sehen Sie etwas Verdächtiges? Rufen Sie die Polizei unter 101 an."
        ),
        Language.EN: (
            "A message from your neighbourhood information network. Going on holiday? Ask your "
            "local police for the free holiday watch of your home. Lock your doors and windows, "
            "leave a lamp on a timer and ask a neighbour to empty your letterbox. Do not "
            "announce your absence on social media. If you see something suspicious, call the "
            "police on 101."
        ),
    },
    "dark_evenings": {
        Language.NL: (
            "Bericht van uw buurtinformatienetwerk. De donkere avonden zijn er, en inbrekers "
            "maken er gebruik van. Laat 's avonds licht branden, ook als u even weg bent. "
            "Sluit deuren en ramen, ook overdag. Berg ladders en tuingereedschap op. "
            "Buitenverlichting met een bewegingsmelder schrikt af. Ziet u iets verdachts? "
            "Bel de politie op 101."
        ),
        Language.FR: (
            "Message de votre partenariat local de prévention. Les soirées sombres sont là, et "
            "les cambrioleurs en profitent. Laissez une lumière allumée le soir, même pour une "
            "courte absence. Fermez portes et fenêtres, même en journée. Rangez échelles et "
            "outils de jardin. Un éclairage extérieur à détecteur de mouvement dissuade. Vous "
            "remarquez quelque chose de suspect ? Appelez la police au 101."
        ),
        Language.DE: (
            "Mitteilung Ihres Nachbarschaftsinformationsnetzwerks. Die dunklen Abende sind da, "
            "und Einbrecher nutzen sie. Lassen Sie abends Licht brennen, auch wenn Sie nur kurz "
            "weg sind. Schließen Sie Türen und Fenster, auch tagsüber. Räumen Sie Leitern und "
            "Gartengeräte weg. Außenbeleuchtung mit Bewegungsmelder schreckt ab. Sehen Sie "
            "etwas Verdächtiges? Rufen Sie die Polizei unter 101 an."
        ),
        Language.EN: (
            "A message from your neighbourhood information network. The dark evenings are "
            "here, and burglars make use of them. Leave a light on in the evening, even when "
            "you are out for a short while. Lock doors and windows, also during the day. Put "
            "ladders and garden tools away. Outside lights with a motion sensor deter burglars. "
            "If you see something suspicious, call the police on 101."
        ),
    },
}

MODUS: dict[Modus, dict[Language, str]] = {
    Modus.FAKE_TECHNICIAN: {
        Language.NL: (
            "De politie waarschuwt: {where} bellen mensen aan die zich voordoen als technieker "
            "van water, gas of elektriciteit om binnen te komen. Laat niemand binnen zonder "
            "afspraak. Vraag een kaart en bel zelf het bedrijf op het nummer van uw factuur. "
            "Twijfelt u? Bel de politie op 101."
        ),
        Language.FR: (
            "La police vous met en garde : {where}, des personnes se présentent comme "
            "techniciens de l'eau, du gaz ou de l'électricité pour entrer chez vous. Ne laissez "
            "entrer personne sans rendez-vous. Demandez une carte et appelez vous-même la "
            "société au numéro de votre facture. En cas de doute, appelez la police au 101."
        ),
        Language.DE: (
            "Die Polizei warnt: {where} klingeln Personen, die sich als Techniker für Wasser, "
            "Gas oder Strom ausgeben, um ins Haus zu kommen. Lassen Sie niemanden ohne Termin "
            "herein. Verlangen Sie einen Ausweis und rufen Sie selbst die Firma unter der "
            "Nummer auf Ihrer Rechnung an. Im Zweifel rufen Sie die Polizei unter 101 an."
        ),
        Language.EN: (
            "The police warn you: {where}, people pretending to be water, gas or electricity "
            "technicians ring at the door to get inside. Let nobody in without an appointment. "
            "Ask for an identity card and call the company yourself on the number on your "
            "bill. If in doubt, call the police on 101."
        ),
    },
    Modus.FAKE_POLICE_CALL: {
        Language.NL: (
            "De politie waarschuwt: {where} bellen oplichters die zich voordoen als politie of "
            "bank en vragen naar bankkaarten, codes of waardevolle spullen. De politie vraagt "
            "nooit uw codes en haalt nooit geld of juwelen op. Haak in en bel zelf 101."
        ),
        Language.FR: (
            "La police vous met en garde : {where}, des escrocs se font passer pour la police "
            "ou la banque et demandent des cartes bancaires, des codes ou des objets de valeur. "
            "La police ne demande jamais vos codes et ne vient jamais chercher argent ou "
            "bijoux. Raccrochez et appelez vous-même le 101."
        ),
        Language.DE: (
            "Die Polizei warnt: {where} rufen Betrüger an, die sich als Polizei oder Bank "
            "ausgeben und nach Bankkarten, Codes oder Wertsachen fragen. Die Polizei fragt nie "
            "nach Ihren Codes und holt nie Geld oder Schmuck ab. Legen Sie auf und rufen Sie "
            "selbst 101 an."
        ),
        Language.EN: (
            "The police warn you: {where}, swindlers pretending to be the police or your bank "
            "call and ask for bank cards, codes or valuables. The police never ask for your "
            "codes and never collect money or jewellery. Hang up and call 101 yourself."
        ),
    },
    Modus.DISTRACTION_THEFT: {
        Language.NL: (
            "De politie waarschuwt: {where} leiden dieven bewoners aan de deur af met een "
            "vraag, terwijl een handlanger binnenglipt. Houd de deur op de ketting, laat geen "
            "onbekenden binnen en sluit de achterdeur. Twijfelt u? Bel de politie op 101."
        ),
        Language.FR: (
            "La police vous met en garde : {where}, des voleurs distraient les habitants à la "
            "porte avec une question pendant qu'un complice se glisse à l'intérieur. Gardez la "
            "chaîne de sécurité, ne laissez pas entrer d'inconnus et fermez la porte arrière. "
            "En cas de doute, appelez la police au 101."
        ),
        Language.DE: (
            "Die Polizei warnt: {where} lenken Diebe Bewohner an der Tür mit einer Frage ab, "
            "während ein Komplize ins Haus schlüpft. Lassen Sie die Türkette vor, lassen Sie "
            "keine Unbekannten herein und schließen Sie die Hintertür. Im Zweifel rufen Sie die "
            "Polizei unter 101 an."
        ),
        Language.EN: (
            "The police warn you: {where}, thieves distract residents at the door with a "
            "question while an accomplice slips inside. Keep the door chain on, let no "
            "strangers in and lock the back door. If in doubt, call the police on 101."
        ),
    },
    Modus.CAR_BREAK_IN: {
        Language.NL: (
            "De politie waarschuwt: {where} wordt ingebroken in geparkeerde wagens. Laat niets "
            "zichtbaar achter in uw wagen, ook geen tas, gps of kabels, en sluit hem altijd af. "
            "Ziet u iets verdachts? Bel de politie op 101."
        ),
        Language.FR: (
            "La police vous met en garde : {where}, des voitures en stationnement sont "
            "fracturées. Ne laissez rien de visible dans votre voiture, ni sac, ni GPS, ni "
            "câbles, et verrouillez-la toujours. Vous remarquez quelque chose de suspect ? "
            "Appelez la police au 101."
        ),
        Language.DE: (
            "Die Polizei warnt: {where} werden geparkte Autos aufgebrochen. Lassen Sie nichts "
            "sichtbar im Auto liegen, keine Tasche, kein Navi, keine Kabel, und schließen Sie "
            "es immer ab. Sehen Sie etwas Verdächtiges? Rufen Sie die Polizei unter 101 an."
        ),
        Language.EN: (
            "The police warn you: {where}, parked cars are being broken into. Leave nothing in "
            "sight in your car, no bag, no satnav, no cables, and always lock it. If you see "
            "something suspicious, call the police on 101."
        ),
    },
}

FEEDBACK: dict[str, dict[Language, str]] = {
    "arrest_made": {
        Language.NL: (
            "Opvolging van de politie bij het recente alarm in uw buurt: er is een verdachte "
            "opgepakt. Dank u voor uw waakzaamheid. Hebt u nog informatie? Bel de politie op 101."
        ),
        Language.FR: (
            "Suivi de la police concernant l'alerte récente dans votre quartier : un suspect a "
            "été interpellé. Merci pour votre vigilance. Vous avez encore des informations ? "
            "Appelez la police au 101."
        ),
        Language.DE: (
            "Rückmeldung der Polizei zum letzten Alarm in Ihrer Nachbarschaft: Ein "
            "Tatverdächtiger wurde festgenommen. Danke für Ihre Wachsamkeit. Haben Sie noch "
            "Informationen? Rufen Sie die Polizei unter 101 an."
        ),
        Language.EN: (
            "A follow-up from the police on the recent alert in your neighbourhood: a suspect "
            "has been arrested. Thank you for your vigilance. If you have more information, "
            "call the police on 101."
        ),
    },
    "all_clear": {
        Language.NL: (
            "Opvolging van de politie bij het recente alarm in uw buurt: de situatie is opnieuw "
            "normaal, u hoeft niet langer binnen te blijven. Dank u voor uw aandacht."
        ),
        Language.FR: (
            "Suivi de la police concernant l'alerte récente dans votre quartier : la situation "
            "est revenue à la normale, vous ne devez plus rester à l'intérieur. Merci pour "
            "votre attention."
        ),
        Language.DE: (
            "Rückmeldung der Polizei zum letzten Alarm in Ihrer Nachbarschaft: Die Lage ist "
            "wieder normal, Sie müssen nicht länger im Haus bleiben. Danke für Ihre "
            "Aufmerksamkeit."
        ),
        Language.EN: (
            "A follow-up from the police on the recent alert in your neighbourhood: the "
            "situation is back to normal, you no longer need to stay inside. Thank you for "
            "your attention."
        ),
    },
    "thanks": {
        Language.NL: (
            "Opvolging van de politie bij het recente alarm in uw buurt: dank u voor uw "
            "waakzaamheid en uw meldingen. Samen maken we de buurt veiliger."
        ),
        Language.FR: (
            "Suivi de la police concernant l'alerte récente dans votre quartier : merci pour "
            "votre vigilance et vos signalements. Ensemble, nous rendons le quartier plus sûr."
        ),
        Language.DE: (
            "Rückmeldung der Polizei zum letzten Alarm in Ihrer Nachbarschaft: Danke für Ihre "
            "Wachsamkeit und Ihre Hinweise. Gemeinsam machen wir die Nachbarschaft sicherer."
        ),
        Language.EN: (
            "A follow-up from the police on the recent alert in your neighbourhood: thank you "
            "for your vigilance and your reports. Together we make the neighbourhood safer."
        ),
    },
}


def render_prevention(
    fields: HolidayWatch | DarkEvenings | ModusOperandi, languages: list[Language]
) -> dict[str, str]:
    """The prevention template's text in each language, in this order (first: fallback)."""
    if isinstance(fields, ModusOperandi):
        texts = MODUS[fields.modus]
        out = {}
        for lang in languages:
            near, named = _AREA[lang]
            where = named.format(area=fields.area) if fields.area else near
            out[lang.value] = texts[lang].format(where=where)
        return out
    return {lang.value: PREVENTION[fields.kind][lang] for lang in languages}


def render_feedback(kind: FeedbackKind, languages: list[Language]) -> dict[str, str]:
    return {lang.value: FEEDBACK[kind][lang] for lang in languages}


def template_name(fields: HolidayWatch | DarkEvenings | ModusOperandi) -> str:
    """How the alert row names the template (alerts.template, at most 50 characters)."""
    if isinstance(fields, ModusOperandi):
        return f"modus_operandi:{fields.modus.value}"
    return fields.kind
