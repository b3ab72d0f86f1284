"""A small catalogue: English message ids, Dutch and French translations (English fallback).
The language comes from the session (the switch in the header), else Accept-Language."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request

LANGUAGES = ("nl", "fr", "en")
LANGUAGE_NAMES = {"nl": "Nederlands", "fr": "Français", "de": "Deutsch", "en": "English"}

CATALOGUE: dict[str, dict[str, str]] = {
    # Statuses and call outcomes as the store names them.
    "active": {"nl": "actief", "fr": "en cours", "en": "active"},
    "completed": {"nl": "afgerond", "fr": "terminé", "en": "completed"},
    "cancelled": {"nl": "geannuleerd", "fr": "annulé", "en": "cancelled"},
    "expired": {"nl": "verlopen", "fr": "expiré", "en": "expired"},
    "pending": {"nl": "te bellen", "fr": "à appeler", "en": "to call"},
    "calling": {"nl": "wordt gebeld", "fr": "appel en cours", "en": "calling"},
    "waiting_retry": {
        "nl": "wacht op nieuwe poging",
        "fr": "en attente d'un nouvel essai",
        "en": "waiting for retry",
    },
    "acknowledged": {"nl": "bevestigd", "fr": "confirmé", "en": "acknowledged"},
    "unacknowledged": {"nl": "niet bevestigd", "fr": "non confirmé", "en": "not acknowledged"},
    "unreachable": {"nl": "onbereikbaar", "fr": "injoignable", "en": "unreachable"},
    "answered": {"nl": "opgenomen", "fr": "décroché", "en": "answered"},
    "no_answer": {"nl": "niet opgenomen", "fr": "pas de réponse", "en": "no answer"},
    "busy": {"nl": "bezet", "fr": "occupé", "en": "busy"},
    "congestion": {"nl": "netwerk overbelast", "fr": "réseau saturé", "en": "network congestion"},
    "failed": {"nl": "mislukt", "fr": "échec", "en": "failed"},
    "machine": {"nl": "antwoordapparaat", "fr": "répondeur", "en": "answering machine"},
    "invalid_number": {
        "nl": "nummer bestaat niet: te verbeteren",
        "fr": "numéro inexistant : à corriger",
        "en": "number does not exist: to correct",
    },
    "hangup_no_ack": {
        "nl": "opgehangen zonder bevestiging",
        "fr": "raccroché sans confirmer",
        "en": "hung up without acknowledging",
    },
    "Sign in": {"nl": "Aanmelden", "fr": "Se connecter"},
    "Sign out": {"nl": "Afmelden", "fr": "Se déconnecter"},
    "Access token": {"nl": "Toegangssleutel", "fr": "Jeton d'accès"},
    "The token you received from your administrator.": {
        "nl": "De sleutel die u van uw beheerder kreeg.",
        "fr": "Le jeton reçu de votre administrateur.",
    },
    "This token is not valid.": {
        "nl": "Deze sleutel is niet geldig.",
        "fr": "Ce jeton n'est pas valide.",
    },
    "Home": {"nl": "Start", "fr": "Accueil"},
    "Language": {"nl": "Taal", "fr": "Langue"},
    "Send an alert": {"nl": "Alarm versturen", "fr": "Envoyer une alerte"},
    "Alerts": {"nl": "Alarmen", "fr": "Alertes"},
    "No alerts yet.": {"nl": "Nog geen alarmen.", "fr": "Pas encore d'alertes."},
    "Your BINs": {"nl": "Uw BIN's", "fr": "Vos PLP"},
    "BINs": {"nl": "BIN's", "fr": "PLP"},
    "Members": {"nl": "Leden", "fr": "Membres"},
    "Reports": {"nl": "Rapporten", "fr": "Rapports"},
    "Incident reference": {"nl": "Referentie (PV)", "fr": "Référence (PV)"},
    "Message": {"nl": "Bericht", "fr": "Message"},
    "Template": {"nl": "Sjabloon", "fr": "Modèle"},
    "Suspect vehicle": {"nl": "Verdacht voertuig", "fr": "Véhicule suspect"},
    "Suspect person": {"nl": "Verdachte persoon", "fr": "Personne suspecte"},
    "All clear": {"nl": "Einde alarm", "fr": "Fin d'alerte"},
    "Free text per language": {"nl": "Vrije tekst per taal", "fr": "Texte libre par langue"},
    "Make": {"nl": "Merk", "fr": "Marque"},
    "Colour": {"nl": "Kleur", "fr": "Couleur"},
    "Number plate": {"nl": "Nummerplaat", "fr": "Plaque"},
    "Direction": {"nl": "Richting", "fr": "Direction"},
    "Description": {"nl": "Beschrijving", "fr": "Description"},
    "Fields of the template": {"nl": "Velden van het sjabloon", "fr": "Champs du modèle"},
    "Preview": {"nl": "Voorbeeld", "fr": "Aperçu"},
    "Change": {"nl": "Wijzigen", "fr": "Modifier"},
    "Send the alert now": {"nl": "Alarm nu versturen", "fr": "Envoyer l'alerte maintenant"},
    "Listen": {"nl": "Beluister", "fr": "Écouter"},
    "Members by language": {"nl": "Leden per taal", "fr": "Membres par langue"},
    "No text for": {"nl": "Geen tekst voor", "fr": "Pas de texte pour"},
    "these members hear the text in": {
        "nl": "deze leden horen de tekst in het",
        "fr": "ces membres entendent le texte en",
    },
    "Every member's language has a text.": {
        "nl": "Elke taal van de leden heeft een tekst.",
        "fr": "Chaque langue des membres a un texte.",
    },
    "Nothing is sent until you confirm.": {
        "nl": "Er wordt niets verstuurd voor u bevestigt.",
        "fr": "Rien n'est envoyé avant votre confirmation.",
    },
    "Status": {"nl": "Status", "fr": "Statut"},
    "Tried": {"nl": "Gebeld", "fr": "Appelés"},
    "Acknowledged": {"nl": "Bevestigd", "fr": "Confirmé"},
    "In progress": {"nl": "Bezig", "fr": "En cours"},
    "Waiting for retry": {"nl": "Wacht op nieuwe poging", "fr": "En attente de rappel"},
    "Unreachable": {"nl": "Onbereikbaar", "fr": "Injoignable"},
    "Not acknowledged": {"nl": "Niet bevestigd", "fr": "Non confirmé"},
    "Members to call": {"nl": "Te bellen leden", "fr": "Membres à appeler"},
    "Expected to finish by": {"nl": "Verwacht klaar om", "fr": "Fin prévue vers"},
    "Time to first acknowledgement": {
        "nl": "Tijd tot eerste bevestiging",
        "fr": "Délai de la première confirmation",
    },
    "Attempts": {"nl": "Pogingen", "fr": "Tentatives"},
    "Last outcome": {"nl": "Laatste resultaat", "fr": "Dernier résultat"},
    "Member": {"nl": "Lid", "fr": "Membre"},
    "Cancel the alert": {"nl": "Alarm annuleren", "fr": "Annuler l'alerte"},
    "Yes, cancel the alert": {"nl": "Ja, annuleer het alarm", "fr": "Oui, annuler l'alerte"},
    "No, go back": {"nl": "Nee, terug", "fr": "Non, retour"},
    "Calls not yet placed are stopped; calls ringing now end.": {
        "nl": "Nog niet geplaatste oproepen worden gestopt; lopende oproepen eindigen.",
        "fr": "Les appels pas encore passés sont arrêtés ; les appels en cours se terminent.",
    },
    "Live updates": {"nl": "Live bijgewerkt", "fr": "Mise à jour en direct"},
    "Name": {"nl": "Naam", "fr": "Nom"},
    "Phone": {"nl": "Telefoon", "fr": "Téléphone"},
    "Second phone": {"nl": "Tweede telefoon", "fr": "Deuxième téléphone"},
    "Active": {"nl": "Actief", "fr": "Actif"},
    "Inactive": {"nl": "Inactief", "fr": "Inactif"},
    "Search": {"nl": "Zoeken", "fr": "Rechercher"},
    "Name or phone": {"nl": "Naam of telefoon", "fr": "Nom ou téléphone"},
    "Add a member": {"nl": "Lid toevoegen", "fr": "Ajouter un membre"},
    "Edit": {"nl": "Bewerken", "fr": "Modifier"},
    "Save": {"nl": "Opslaan", "fr": "Enregistrer"},
    "Deactivate": {"nl": "Deactiveren", "fr": "Désactiver"},
    "Activate": {"nl": "Activeren", "fr": "Activer"},
    "Erase": {"nl": "Wissen", "fr": "Effacer"},
    "Erase this member": {"nl": "Dit lid wissen", "fr": "Effacer ce membre"},
    "The person is deleted; their calls remain only as anonymous outcomes.": {
        "nl": "De persoon wordt verwijderd; de oproepen blijven enkel anoniem bewaard.",
        "fr": "La personne est supprimée ; ses appels ne restent que comme résultats anonymes.",
    },
    "Import CSV": {"nl": "CSV importeren", "fr": "Importer un CSV"},
    "Export CSV": {"nl": "CSV exporteren", "fr": "Exporter en CSV"},
    "CSV file": {"nl": "CSV-bestand", "fr": "Fichier CSV"},
    "Check the file": {"nl": "Bestand controleren", "fr": "Vérifier le fichier"},
    "Nothing was saved.": {"nl": "Er werd niets opgeslagen.", "fr": "Rien n'a été enregistré."},
    "Row": {"nl": "Rij", "fr": "Ligne"},
    "Field": {"nl": "Veld", "fr": "Champ"},
    "Problem": {"nl": "Probleem", "fr": "Problème"},
    "Rows ready to import": {"nl": "Rijen klaar om te importeren", "fr": "Lignes prêtes"},
    "Import these members": {"nl": "Deze leden importeren", "fr": "Importer ces membres"},
    "Acknowledgement rate per alert": {
        "nl": "Bevestigingsgraad per alarm",
        "fr": "Taux de confirmation par alerte",
    },
    "Acknowledgement rate": {"nl": "Bevestigingsgraad", "fr": "Taux de confirmation"},
    "Median time to acknowledge": {
        "nl": "Mediane tijd tot bevestiging",
        "fr": "Délai médian de confirmation",
    },
    "By language": {"nl": "Per taal", "fr": "Par langue"},
    "To follow up": {"nl": "Op te volgen", "fr": "À suivre"},
    "Members unreachable or not acknowledging in the last alerts": {
        "nl": "Leden onbereikbaar of zonder bevestiging bij de laatste alarmen",
        "fr": "Membres injoignables ou sans confirmation lors des dernières alertes",
    },
    "Missed": {"nl": "Gemist", "fr": "Manqués"},
    "Alert": {"nl": "Alarm", "fr": "Alerte"},
    "Date": {"nl": "Datum", "fr": "Date"},
    "Calls": {"nl": "Oproepen", "fr": "Appels"},
    "No data yet.": {"nl": "Nog geen gegevens.", "fr": "Pas encore de données."},
    "Page not found": {"nl": "Pagina niet gevonden", "fr": "Page introuvable"},
    "Something went wrong": {"nl": "Er ging iets mis", "fr": "Un problème est survenu"},
    "seconds": {"nl": "seconden", "fr": "secondes"},
    "Back": {"nl": "Terug", "fr": "Retour"},
    "member(s) imported.": {"nl": "lid/leden geïmporteerd.", "fr": "membre(s) importé(s)."},
    "Skip to content": {"nl": "Naar de inhoud", "fr": "Aller au contenu"},
    # Accounts, signing in, the admin pages.
    "admin": {"nl": "beheerder", "fr": "administrateur", "en": "admin"},
    "police": {"nl": "politie", "fr": "police", "en": "police"},
    "coordinator": {"nl": "coördinator", "fr": "coordinateur", "en": "coordinator"},
    "E-mail address": {"nl": "E-mailadres", "fr": "Adresse e-mail"},
    "Password": {"nl": "Wachtwoord", "fr": "Mot de passe"},
    "The e-mail address or the password is not right, or this account must wait a moment "
    "after several wrong tries.": {
        "nl": "Het e-mailadres of het wachtwoord klopt niet, of deze account moet even wachten "
        "na meerdere foute pogingen.",
        "fr": "L'adresse e-mail ou le mot de passe est incorrect, ou ce compte doit patienter "
        "un moment après plusieurs essais erronés.",
    },
    "This code is not right, or this account must wait a moment after several wrong tries.": {
        "nl": "Deze code klopt niet, of deze account moet even wachten na meerdere foute pogingen.",
        "fr": "Ce code est incorrect, ou ce compte doit patienter un moment après plusieurs "
        "essais erronés.",
    },
    "Sign in with an API token (integrations)": {
        "nl": "Aanmelden met een API-sleutel (koppelingen)",
        "fr": "Se connecter avec un jeton d'API (intégrations)",
    },
    "Your password is set: sign in with it.": {
        "nl": "Uw wachtwoord is ingesteld: meld u ermee aan.",
        "fr": "Votre mot de passe est enregistré : connectez-vous avec.",
    },
    "Your role signs in with a code from an authenticator app. Add this key to the app, then "
    "type the code it shows.": {
        "nl": "Uw rol meldt zich aan met een code uit een authenticatie-app. Voeg deze sleutel "
        "toe aan de app en typ de code die ze toont.",
        "fr": "Votre rôle se connecte avec un code d'une application d'authentification. "
        "Ajoutez cette clé à l'application, puis tapez le code affiché.",
    },
    "Add this key to the app, then type the code it shows.": {
        "nl": "Voeg deze sleutel toe aan de app en typ de code die ze toont.",
        "fr": "Ajoutez cette clé à l'application, puis tapez le code affiché.",
    },
    "Key": {"nl": "Sleutel", "fr": "Clé"},
    "Address for the app (otpauth)": {
        "nl": "Adres voor de app (otpauth)",
        "fr": "Adresse pour l'application (otpauth)",
    },
    "Code from the app": {"nl": "Code uit de app", "fr": "Code de l'application"},
    "Code from an authenticator app": {
        "nl": "Code uit een authenticatie-app",
        "fr": "Code d'une application d'authentification",
    },
    "optional": {"nl": "optioneel", "fr": "facultatif"},
    "Set your password": {"nl": "Kies uw wachtwoord", "fr": "Choisissez votre mot de passe"},
    "New password": {"nl": "Nieuw wachtwoord", "fr": "Nouveau mot de passe"},
    "New password, again": {
        "nl": "Nieuw wachtwoord, nogmaals",
        "fr": "Nouveau mot de passe, à nouveau",
    },
    "At least 12 characters.": {"nl": "Minstens 12 tekens.", "fr": "Au moins 12 caractères."},
    "Accounts": {"nl": "Accounts", "fr": "Comptes"},
    "Role": {"nl": "Rol", "fr": "Rôle"},
    "Scope": {"nl": "Bereik", "fr": "Portée"},
    "Last sign-in": {"nl": "Laatst aangemeld", "fr": "Dernière connexion"},
    "Disabled": {"nl": "Uitgeschakeld", "fr": "Désactivé"},
    "Invited": {"nl": "Uitgenodigd", "fr": "Invité"},
    "code": {"nl": "code", "fr": "code"},
    "slowed down until": {"nl": "vertraagd tot", "fr": "ralenti jusqu'à"},
    "Enable": {"nl": "Inschakelen", "fr": "Activer"},
    "Disable": {"nl": "Uitschakelen", "fr": "Désactiver"},
    "Reset": {"nl": "Herstellen", "fr": "Réinitialiser"},
    "No accounts yet.": {"nl": "Nog geen accounts.", "fr": "Pas encore de comptes."},
    "Invite someone": {"nl": "Iemand uitnodigen", "fr": "Inviter quelqu'un"},
    "Invite": {"nl": "Uitnodigen", "fr": "Inviter"},
    "Police zone (police)": {"nl": "Politiezone (politie)", "fr": "Zone de police (police)"},
    "BINs (coordinator)": {"nl": "BIN's (coördinator)", "fr": "PLP (coordinateur)"},
    "Sign-in with a code": {"nl": "Aanmelden met een code", "fr": "Connexion avec un code"},
    "Accounts of these roles sign in with a code from an authenticator app; those without one "
    "set it up at their next sign-in.": {
        "nl": "Accounts met deze rollen melden zich aan met een code uit een authenticatie-app; "
        "wie er nog geen heeft, stelt ze in bij de volgende aanmelding.",
        "fr": "Les comptes de ces rôles se connectent avec un code d'une application "
        "d'authentification ; ceux qui n'en ont pas la configurent à la prochaine connexion.",
    },
    "Invitation link": {"nl": "Uitnodigingslink", "fr": "Lien d'invitation"},
    "Reset link": {"nl": "Herstellink", "fr": "Lien de réinitialisation"},
    "Send this link to": {"nl": "Stuur deze link naar", "fr": "Envoyez ce lien à"},
    "It works once, until": {
        "nl": "Hij werkt één keer, tot",
        "fr": "Il fonctionne une fois, jusqu'au",
    },
    "It is shown only now.": {
        "nl": "Hij wordt alleen nu getoond.",
        "fr": "Il n'est affiché que maintenant.",
    },
    "Link": {"nl": "Link", "fr": "Lien"},
}


def pick(request: Request, chosen: str | None) -> str:
    if chosen in LANGUAGES:
        return chosen
    header = request.headers.get("accept-language", "")
    for part in header.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"


def translator(lang: str) -> Callable[[str], str]:
    def translate(text: str) -> str:
        return CATALOGUE.get(text, {}).get(lang, text)

    return translate
