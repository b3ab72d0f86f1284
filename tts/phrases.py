"""The spoken pieces of an alert call, written once per language."""

from __future__ import annotations

from tts.voices import check_language

# Re-read for an elderly listener: short sentences, who calls first, the goal before the key,
# "the key 1" (a key with a number on it, as on any keypad), the prompt spoken slower
# (PROMPT_RATE) and, in the call, after a pause (SpeechService.section_pause_s).
# The two-way pieces (#14) follow the alert call's in each language. A BIN never does police
# work: the press-3 offer is for reporting to the police what one has seen, nothing more.
# - transfer_offer: after the keys prompt, only on a call that offers 3 (ivr/keys.py);
# - transferring / transfer_failed: after a 3 (the police line does not answer: call yourself);
# - transfer_busy: after a 3 when as many members as allowed talk to that line already;
# - callback / callback_confirmed: a member calling the BIN number back, before their newest
#   alert (confirmed: they pressed 1 already, the alert is played again all the same);
# - callback_thanks: after a 1 on a call back, instead of the alert's thanks: a caller ID proves
#   nothing, so binalert calls the member straight back, and the 1 on that call confirms;
# - no_alert: a member calling back without an alert of the last hours;
# - unknown: anyone else (spoken in every language of UNKNOWN_LANGUAGES, one after the other).
# Staying in charge by phone (#24), for the same listeners: the goal before the key, one thing
# a sentence, and what happens next said plainly (we hang up, we call back, press 1 there):
# - stop_offer: at the end of every call (after the keys, and once after the thanks of a 1);
# - stop_confirm: after a 9: a second 9 stops, any other key goes back (a 9 pressed by mistake
#   must not drop anyone); stop_kept: they went back;
# - stopped: the stop is done (binalert's own call proves the number), and how to come back;
# - stopped_call_in / chosen: a request on a call in (a caller ID is a claim): we call back;
# - language_offer, language_choice (each language's own line, in itself: the menu is the four
#   joined, MENU_LANGUAGES order), menu: a call in whose number the network does not assert;
# - confirm_stop / confirm_language: the service call back that confirms a request, with what
#   a 1 does (its thanks are service_thanks); confirm_language in the language asked for: a
#   listener who does not understand it does not press 1, and nothing changes.
PHRASES: dict[str, dict[str, str]] = {
    "nl": {
        # SMS (#22): written out in full, GSM 7-bit only (a text stays 160 characters a part)
        "sms_intro": "Dringend bericht van de lokale politie {zone} "
        "voor het buurtinformatienetwerk {bin_name}:",
        "sms_intro_notice": "Bericht van de lokale politie {zone} "
        "voor het buurtinformatienetwerk {bin_name}:",
        "sms_101": "Informatie voor de politie? Bel 101.",  # unless the message says 101
        "sms_end": "Bij nood: bel 112. Hebt u dit bericht gelezen? Antwoord dan met 1.",
        "sms_stop_confirmation": "U krijgt geen sms meer van het buurtinformatienetwerk. Oproepen "
        "blijven komen. Toch weer sms? Vraag het aan uw coördinator.",
        "sms_cannot_read": "Dit nummer kan geen berichten lezen. Voor de politie: bel 101. Bij "
        "nood: bel 112.",
        "sms_fallback_intro": "We konden u niet bereiken per telefoon.",
        "sms_me_link": "Buurtinformatienetwerk: uw eigen pagina, 15 minuten geldig: {link} Niet "
        "zelf gevraagd? Negeer dit bericht.",
        "sms_number_code": "Buurtinformatienetwerk: uw code om dit nummer te bevestigen is {code}.",
        "intro_notice": "Bericht van de lokale politie {zone}. "
        "Voor het buurtinformatienetwerk {bin_name}.",
        "machine_notice": "Dit was een bericht van de lokale politie {zone}. "
        "Hebt u het gehoord? Druk dan nu op de toets 1. "
        "Of druk op 1 wanneer wij u opnieuw bellen.",
        "intro": "Dringend bericht van de lokale politie {zone}. "
        "Voor het buurtinformatienetwerk {bin_name}.",
        "prompt": "Om te bevestigen: druk op de toets 1. Om opnieuw te luisteren: druk op 2.",
        "thanks": "Dank u. De politie weet nu dat u het bericht gehoord hebt.",
        "invalid_key": "Dat is niet de juiste toets.",
        "machine": "Dit was een dringend bericht van de lokale politie {zone}. "
        "Hebt u het gehoord? Druk dan nu op de toets 1. "
        "Of druk op 1 wanneer wij u opnieuw bellen.",
        "transfer_offer": "Hebt u iets gezien? Om het aan de politie te melden: druk op 3.",
        "transferring": "Een ogenblik. U wordt doorverbonden met de politie.",
        "transfer_failed": "De politie neemt nu niet op. Bel zelf 101. Bij nood: bel 112.",
        "transfer_busy": "De lijn van de politie is nu bezet. Bel zelf 101. Bij nood: bel 112.",
        "callback": "U belt het nummer van het buurtinformatienetwerk. "
        "Dit is het laatste bericht voor u.",
        "callback_confirmed": "U belt het nummer van het buurtinformatienetwerk. "
        "U hebt dit bericht al bevestigd. Dank u. U hoort het nog eens.",
        "callback_thanks": "Dank u. We bellen u nu meteen terug. "
        "Druk in dat gesprek op 1 om te bevestigen.",
        "no_alert": "Dit is het nummer van het buurtinformatienetwerk. "
        "Er is nu geen bericht voor u. Voor de politie: bel 101. Bij nood: bel 112.",
        "unknown": "Dit nummer stuurt alleen berichten van het buurtinformatienetwerk. "
        "Voor de politie: bel 101. Bij nood: bel 112.",
        "me_code": "Dit is het buurtinformatienetwerk. U vroeg een code voor uw eigen pagina. "
        "Uw code is: {code}. Nog eens: {code}. Niet zelf gevraagd? Leg dan gewoon in.",
        "number_code": "Dit is het buurtinformatienetwerk. Om dit nummer te bevestigen, "
        "typ op uw pagina de code: {code}. Nog eens: {code}.",
        "stop_offer": "Om deze oproepen niet meer te krijgen: druk op 9.",
        "stop_confirm": "U wilt deze oproepen niet meer krijgen. Om dat te bevestigen: druk nog "
        "eens op 9. Om terug te gaan: druk op een andere toets.",
        "stopped": "Dat is genoteerd. U wordt niet meer gebeld. Wilt u later toch weer "
        "berichten krijgen? Vraag het dan aan de coördinator van uw "
        "buurtinformatienetwerk. Tot ziens.",
        "stopped_call_in": "Dank u. We hangen nu op en bellen u meteen terug. Druk in dat gesprek "
        "op 1 om te bevestigen.",
        "stop_kept": "Goed. U blijft de oproepen krijgen.",
        "language_offer": "Om een andere taal te kiezen: druk op 4.",
        "language_choice": "Voor Nederlands: druk op 1.",
        "chosen": "U koos Nederlands. We hangen nu op en bellen u meteen terug. Druk in "
        "dat gesprek op 1 om te bevestigen.",
        "menu": "U belt het nummer van het buurtinformatienetwerk.",
        "confirm_stop": "Hier is het buurtinformatienetwerk. U vroeg om geen oproepen meer te "
        "krijgen. Om dat te bevestigen: druk op de toets 1. Dan bellen wij u "
        "niet meer. Wilt u later terug? Vraag het aan uw coördinator. Hebt u "
        "dit niet gevraagd? Leg dan gewoon neer.",
        "confirm_language": "Hier is het buurtinformatienetwerk. U vroeg om uw berichten voortaan "
        "in het Nederlands te krijgen. Om dat te bevestigen: druk op de toets "
        "1. Hebt u dit niet gevraagd? Leg dan gewoon neer.",
    },
    "fr": {
        "sms_intro": "Message urgent de la police locale {zone} "
        "pour le réseau d'information de quartier {bin_name} :",
        "sms_intro_notice": "Message de la police locale {zone} "
        "pour le réseau d'information de quartier {bin_name} :",
        "sms_101": "Des informations pour la police ? Appelez le 101.",
        "sms_end": "En cas d'urgence : appelez le 112. Vous avez lu ce message ? Répondez par 1.",
        "sms_stop_confirmation": "Vous ne recevrez plus de SMS du réseau d'information de "
        "quartier. Les appels continuent. Pour les SMS, voyez votre coordinateur.",
        "sms_cannot_read": "Ce numéro ne lit pas les messages. Pour la police : appelez le 101. En "
        "cas d'urgence : le 112.",
        "sms_fallback_intro": "Nous n'avons pas pu vous joindre par téléphone.",
        "sms_me_link": "Réseau d'information de quartier : votre page, valable 15 minutes : {link} "
        "Pas demandé ? Ignorez ce message.",
        "sms_number_code": "Réseau d'information de quartier : votre code pour confirmer ce numéro "
        "est {code}.",
        "intro_notice": "Message de la police locale {zone}. "
        "Pour le réseau d'information de quartier {bin_name}.",
        "machine_notice": "C'était un message de la police locale {zone}. "
        "Vous l'avez entendu ? Alors appuyez maintenant sur la touche 1. "
        "Ou appuyez sur 1 quand nous vous rappellerons.",
        "intro": "Message urgent de la police locale {zone}. "
        "Pour le réseau d'information de quartier {bin_name}.",
        "prompt": "Pour confirmer : appuyez sur la touche 1. Pour réécouter : appuyez sur 2.",
        "thanks": "Merci. La police sait maintenant que vous avez entendu le message.",
        "invalid_key": "Ce n'est pas la bonne touche.",
        "machine": "C'était un message urgent de la police locale {zone}. "
        "Vous l'avez entendu ? Alors appuyez maintenant sur la touche 1. "
        "Ou appuyez sur 1 quand nous vous rappellerons.",
        "transfer_offer": "Vous avez vu quelque chose ? "
        "Pour le signaler à la police : appuyez sur 3.",
        "transferring": "Un instant. Nous vous mettons en communication avec la police.",
        "transfer_failed": "La police ne répond pas pour le moment. Appelez vous-même le 101. "
        "En cas d'urgence : appelez le 112.",
        "transfer_busy": "La ligne de la police est occupée pour le moment. "
        "Appelez vous-même le 101. En cas d'urgence : appelez le 112.",
        "callback": "Vous appelez le numéro du réseau d'information de quartier. "
        "Voici le dernier message pour vous.",
        "callback_confirmed": "Vous appelez le numéro du réseau d'information de quartier. "
        "Vous avez déjà confirmé ce message. Merci. Le voici encore une fois.",
        "callback_thanks": "Merci. Nous vous rappelons tout de suite. "
        "Pendant cet appel, appuyez sur 1 pour confirmer.",
        "no_alert": "Ici le numéro du réseau d'information de quartier. "
        "Il n'y a pas de message pour vous en ce moment. "
        "Pour la police : appelez le 101. En cas d'urgence : appelez le 112.",
        "unknown": "Ce numéro envoie uniquement les messages du réseau d'information de "
        "quartier. Pour la police : appelez le 101. En cas d'urgence : appelez le 112.",
        "me_code": "Ici le réseau d'information de quartier. Vous avez demandé un code pour "
        "votre page. Votre code est : {code}. Je répète : {code}. "
        "Vous ne l'avez pas demandé ? Raccrochez simplement.",
        "number_code": "Ici le réseau d'information de quartier. Pour confirmer ce numéro, "
        "tapez sur votre page le code : {code}. Je répète : {code}.",
        "stop_offer": "Pour ne plus recevoir ces appels : appuyez sur 9.",
        "stop_confirm": "Vous ne voulez plus recevoir ces appels. Pour le confirmer : appuyez "
        "encore une fois sur 9. Pour revenir en arrière : appuyez sur une autre "
        "touche.",
        "stopped": "C'est noté. Nous ne vous appellerons plus. Si vous voulez à nouveau "
        "recevoir les messages, demandez-le au coordinateur de votre réseau "
        "d'information de quartier. Au revoir.",
        "stopped_call_in": "Merci. Nous raccrochons et nous vous rappelons tout de suite. Pendant "
        "cet appel, appuyez sur 1 pour confirmer.",
        "stop_kept": "Bien. Vous continuez à recevoir les appels.",
        "language_offer": "Pour choisir une autre langue : appuyez sur 4.",
        "language_choice": "Pour le français : appuyez sur 2.",
        "chosen": "Vous avez choisi le français. Nous raccrochons et nous vous rappelons "
        "tout de suite. Pendant cet appel, appuyez sur 1 pour confirmer.",
        "menu": "Vous appelez le numéro du réseau d'information de quartier.",
        "confirm_stop": "Ici le réseau d'information de quartier. Vous avez demandé à ne plus "
        "recevoir nos appels. Pour le confirmer : appuyez sur la touche 1. "
        "Nous ne vous appellerons plus. Pour revenir plus tard, adressez-vous "
        "à votre coordinateur. Vous ne l'avez pas demandé ? Alors raccrochez "
        "simplement.",
        "confirm_language": "Ici le réseau d'information de quartier. Vous avez demandé à "
        "recevoir désormais vos messages en français. Pour le confirmer : "
        "appuyez sur la touche 1. Vous ne l'avez pas demandé ? Alors "
        "raccrochez simplement.",
    },
    "de": {
        "sms_intro": "Dringende Nachricht der lokalen Polizei {zone} "
        "für das Nachbarschaftsinformationsnetzwerk {bin_name}:",
        "sms_intro_notice": "Nachricht der lokalen Polizei {zone} "
        "für das Nachbarschaftsinformationsnetzwerk {bin_name}:",
        "sms_101": "Hinweise für die Polizei? Rufen Sie die 101 an.",
        "sms_end": "Im Notfall: Rufen Sie die 112 an. Haben Sie diese Nachricht gelesen? "
        "Dann antworten Sie mit 1.",
        "sms_stop_confirmation": "Sie erhalten keine SMS mehr vom Nachbarschaftsnetzwerk. Anrufe "
        "kommen weiter. SMS wieder? Fragen Sie Ihren Koordinator.",
        "sms_cannot_read": "Diese Nummer kann keine Nachrichten lesen. Für die Polizei: 101 "
        "anrufen. Im Notfall: 112.",
        "sms_fallback_intro": "Wir konnten Sie telefonisch nicht erreichen.",
        "sms_me_link": "Nachbarschaftsnetzwerk: Ihre eigene Seite, 15 Minuten gültig: {link} Nicht "
        "angefordert? Ignorieren Sie diese Nachricht.",
        "sms_number_code": "Nachbarschaftsnetzwerk: Ihr Code zur Bestätigung dieser Nummer ist "
        "{code}.",
        "intro_notice": "Nachricht der lokalen Polizei {zone}. "
        "Für das Nachbarschaftsinformationsnetzwerk {bin_name}.",
        "machine_notice": "Das war eine Nachricht der lokalen Polizei {zone}. "
        "Haben Sie sie gehört? Dann drücken Sie jetzt die Taste 1. "
        "Oder drücken Sie die 1, wenn wir Sie wieder anrufen.",
        "intro": "Dringende Nachricht der lokalen Polizei {zone}. "
        "Für das Nachbarschaftsinformationsnetzwerk {bin_name}.",
        "prompt": "Zum Bestätigen: Drücken Sie die Taste 1. "
        "Zum erneuten Anhören: Drücken Sie die 2.",
        "thanks": "Danke. Die Polizei weiß jetzt, dass Sie die Nachricht gehört haben.",
        "invalid_key": "Das ist nicht die richtige Taste.",
        "machine": "Das war eine dringende Nachricht der lokalen Polizei {zone}. "
        "Haben Sie sie gehört? Dann drücken Sie jetzt die Taste 1. "
        "Oder drücken Sie die 1, wenn wir Sie wieder anrufen.",
        "transfer_offer": "Haben Sie etwas gesehen? Um es der Polizei zu melden: "
        "Drücken Sie die 3.",
        "transferring": "Einen Moment bitte. Wir verbinden Sie mit der Polizei.",
        "transfer_failed": "Die Polizei antwortet gerade nicht. Rufen Sie selbst die 101 an. "
        "Im Notfall: Rufen Sie die 112 an.",
        "transfer_busy": "Die Leitung der Polizei ist gerade besetzt. "
        "Rufen Sie selbst die 101 an. Im Notfall: Rufen Sie die 112 an.",
        "callback": "Sie rufen die Nummer des Nachbarschaftsinformationsnetzwerks an. "
        "Hier ist die letzte Nachricht für Sie.",
        "callback_confirmed": "Sie rufen die Nummer des Nachbarschaftsinformationsnetzwerks "
        "an. Sie haben diese Nachricht schon bestätigt. Danke. Sie hören sie noch einmal.",
        "callback_thanks": "Danke. Wir rufen Sie gleich zurück. "
        "Drücken Sie in diesem Anruf die 1, um zu bestätigen.",
        "no_alert": "Hier ist die Nummer des Nachbarschaftsinformationsnetzwerks. "
        "Im Moment gibt es keine Nachricht für Sie. "
        "Für die Polizei: Rufen Sie die 101 an. Im Notfall: Rufen Sie die 112 an.",
        "unknown": "Diese Nummer sendet nur Nachrichten des "
        "Nachbarschaftsinformationsnetzwerks. "
        "Für die Polizei: Rufen Sie die 101 an. Im Notfall: Rufen Sie die 112 an.",
        "me_code": "Hier ist das Nachbarschaftsinformationsnetzwerk. Sie haben einen Code für "
        "Ihre Seite angefordert. Ihr Code ist: {code}. Noch einmal: {code}. "
        "Nicht selbst angefordert? Legen Sie einfach auf.",
        "number_code": "Hier ist das Nachbarschaftsinformationsnetzwerk. Um diese Nummer zu "
        "bestätigen, geben Sie auf Ihrer Seite den Code ein: {code}. Noch einmal: {code}.",
        "stop_offer": "Um diese Anrufe nicht mehr zu erhalten: Drücken Sie die 9.",
        "stop_confirm": "Sie möchten diese Anrufe nicht mehr erhalten. Zum Bestätigen: Drücken "
        "Sie noch einmal die 9. Um zurückzugehen: Drücken Sie eine andere "
        "Taste.",
        "stopped": "Das ist notiert. Wir rufen Sie nicht mehr an. Möchten Sie später "
        "wieder Nachrichten erhalten? Dann fragen Sie den Koordinator Ihres "
        "Nachbarschaftsinformationsnetzwerks. Auf Wiederhören.",
        "stopped_call_in": "Danke. Wir legen jetzt auf und rufen Sie gleich zurück. Drücken Sie in "
        "diesem Anruf die 1, um zu bestätigen.",
        "stop_kept": "Gut. Sie erhalten die Anrufe weiterhin.",
        "language_offer": "Um eine andere Sprache zu wählen: Drücken Sie die 4.",
        "language_choice": "Für Deutsch: Drücken Sie die 3.",
        "chosen": "Sie haben Deutsch gewählt. Wir legen jetzt auf und rufen Sie gleich "
        "zurück. Drücken Sie in diesem Anruf die 1, um zu bestätigen.",
        "menu": "Sie rufen die Nummer des Nachbarschaftsinformationsnetzwerks an.",
        "confirm_stop": "Hier ist das Nachbarschaftsinformationsnetzwerk. Sie haben gebeten, "
        "keine Anrufe mehr von uns zu erhalten. Zum Bestätigen: Drücken Sie "
        "die Taste 1. Dann rufen wir Sie nicht mehr an. Wenn Sie später "
        "zurückkommen möchten, fragen Sie Ihren Koordinator. Haben Sie das "
        "nicht verlangt? Dann legen Sie einfach auf.",
        "confirm_language": "Hier ist das Nachbarschaftsinformationsnetzwerk. Sie haben gebeten, "
        "Ihre Nachrichten künftig auf Deutsch zu erhalten. Zum Bestätigen: "
        "Drücken Sie die Taste 1. Haben Sie das nicht verlangt? Dann legen "
        "Sie einfach auf.",
    },
    "en": {
        "sms_intro": "Urgent message from the local police {zone} "
        "for the neighbourhood information network {bin_name}:",
        "sms_intro_notice": "A message from the local police {zone} "
        "for the neighbourhood information network {bin_name}:",
        "sms_101": "Information for the police? Call 101.",
        "sms_end": "In an emergency: call 112. Have you read this message? Then reply 1.",
        "sms_stop_confirmation": "You will get no more text messages from the neighbourhood "
        "network. Calls go on. Texts again? Ask your coordinator.",
        "sms_cannot_read": "This number cannot read replies. For the police: call 101. In an "
        "emergency: call 112.",
        "sms_fallback_intro": "We could not reach you by phone.",
        "sms_me_link": "Neighbourhood network: your own page, valid for 15 minutes: {link} Did not "
        "ask for it? Ignore this message.",
        "sms_number_code": "Neighbourhood network: your code to confirm this number is {code}.",
        "intro_notice": "A message from the local police {zone}. "
        "For the neighbourhood information network {bin_name}.",
        "machine_notice": "This was a message from the local police {zone}. "
        "Did you hear it? Then press the number 1 now. "
        "Or press 1 when we call you again.",
        "intro": "Urgent message from the local police {zone}. "
        "For the neighbourhood information network {bin_name}.",
        "prompt": "To confirm: press the number 1. To listen again: press 2.",
        "thanks": "Thank you. The police now know that you heard the message.",
        "invalid_key": "That is not the right key.",
        "machine": "This was an urgent message from the local police {zone}. "
        "Did you hear it? Then press the number 1 now. "
        "Or press 1 when we call you again.",
        "transfer_offer": "Have you seen something? To report it to the police: press 3.",
        "transferring": "One moment, please. We are putting you through to the police.",
        "transfer_failed": "The police are not answering right now. Please call 101 yourself. "
        "In an emergency: call 112.",
        "transfer_busy": "The police line is busy right now. Please call 101 yourself. "
        "In an emergency: call 112.",
        "callback": "You are calling the neighbourhood information network. "
        "Here is the latest message for you.",
        "callback_confirmed": "You are calling the neighbourhood information network. "
        "You have already confirmed this message. Thank you. Here it is again.",
        "callback_thanks": "Thank you. We are calling you back right away. "
        "On that call, press 1 to confirm.",
        "no_alert": "This is the number of the neighbourhood information network. "
        "There is no message for you right now. "
        "For the police: call 101. In an emergency: call 112.",
        "unknown": "This number only sends messages from the neighbourhood information "
        "network. For the police: call 101. In an emergency: call 112.",
        "me_code": "This is the neighbourhood information network. You asked for a code for "
        "your page. Your code is: {code}. Once more: {code}. "
        "Did not ask for it? Just hang up.",
        "number_code": "This is the neighbourhood information network. To confirm this "
        "number, type this code on your page: {code}. Once more: {code}.",
        "stop_offer": "To stop receiving these calls: press 9.",
        "stop_confirm": "You want to stop receiving these calls. To confirm: press 9 again. To "
        "go back: press any other key.",
        "stopped": "That is noted. We will not call you any more. If you want to receive "
        "the messages again later, ask the coordinator of your neighbourhood "
        "information network. Goodbye.",
        "stopped_call_in": "Thank you. We will hang up now and call you back right away. On that "
        "call, press 1 to confirm.",
        "stop_kept": "All right. You will keep receiving the calls.",
        "language_offer": "To choose another language: press 4.",
        "language_choice": "For English: press 4.",
        "chosen": "You chose English. We will hang up now and call you back right away. "
        "On that call, press 1 to confirm.",
        "menu": "You are calling the neighbourhood information network.",
        "confirm_stop": "This is the neighbourhood information network. You asked to stop "
        "receiving our calls. To confirm: press the number 1. We will then "
        "not call you any more. To come back later, ask your coordinator. If "
        "you did not ask for this, just hang up.",
        "confirm_language": "This is the neighbourhood information network. You asked to receive "
        "your messages in English from now on. To confirm: press the number "
        "1. If you did not ask for this, just hang up.",
    },
}
# Service calls (#24; binalert.service_calls, ivr/service_calls.py): short calls that say one
# thing and may wait for a 1. In the one table, kept together here:
# - signup_verify: to a number someone gave on a BIN's sign-up page; a 1 confirms it (a
#   stranger's number, if someone typed it in: they hang up and are forgotten);
# - signup_welcome: the coordinator approved (or the BIN accepts at once): they are in;
# - service_thanks: after a 1 on a service call.
SERVICE_PHRASES: dict[str, dict[str, str]] = {
    "nl": {
        "signup_verify": "Goeiedag. Hier is het buurtinformatienetwerk {bin_name}. "
        "Iemand heeft zich met dit nummer ingeschreven. "
        "Was u dat? Om te bevestigen: druk op de toets 1. "
        "Was u het niet? Leg dan gewoon in. Wij vergeten dit nummer.",
        "signup_welcome": "Goeiedag. Hier is het buurtinformatienetwerk {bin_name}. "
        "Welkom: u bent nu lid. U krijgt onze berichten voortaan op dit nummer.",
        "service_thanks": "Dank u. Tot ziens.",
    },
    "fr": {
        "signup_verify": "Bonjour. Ici le réseau d'information de quartier {bin_name}. "
        "Quelqu'un s'est inscrit avec ce numéro. "
        "C'était vous ? Pour confirmer : appuyez sur la touche 1. "
        "Ce n'était pas vous ? Raccrochez simplement. Nous oublierons ce numéro.",
        "signup_welcome": "Bonjour. Ici le réseau d'information de quartier {bin_name}. "
        "Bienvenue : vous êtes maintenant membre. "
        "Vous recevrez désormais nos messages à ce numéro.",
        "service_thanks": "Merci. Au revoir.",
    },
    "de": {
        "signup_verify": "Guten Tag. Hier ist das Nachbarschaftsinformationsnetzwerk "
        "{bin_name}. Jemand hat sich mit dieser Nummer angemeldet. "
        "Waren Sie das? Zum Bestätigen: Drücken Sie die Taste 1. "
        "Waren Sie es nicht? Legen Sie einfach auf. Wir vergessen diese Nummer.",
        "signup_welcome": "Guten Tag. Hier ist das Nachbarschaftsinformationsnetzwerk "
        "{bin_name}. Willkommen: Sie sind jetzt Mitglied. "
        "Sie erhalten unsere Nachrichten ab jetzt unter dieser Nummer.",
        "service_thanks": "Danke. Auf Wiederhören.",
    },
    "en": {
        "signup_verify": "Hello. This is the neighbourhood information network {bin_name}. "
        "Someone signed up with this number. Was it you? To confirm: press the number 1. "
        "Was it not you? Then simply hang up. We will forget this number.",
        "signup_welcome": "Hello. This is the neighbourhood information network {bin_name}. "
        "Welcome: you are now a member. From now on you will get our messages on this number.",
        "service_thanks": "Thank you. Goodbye.",
    },
}
for _lang, _pieces in SERVICE_PHRASES.items():
    PHRASES[_lang].update(_pieces)
SERVICE_PIECES = tuple(SERVICE_PHRASES["en"])
PROMPT_RATE = 0.85  # the keys prompt (and "not the right key") at this share of the rate
PIECES = ("intro", "prompt", "thanks", "invalid_key", "machine")
NOTICE_PIECES = ("intro_notice", "machine_notice")  # a non-urgent message: not "urgent"
TWO_WAY_PIECES = (
    "transfer_offer",
    "transferring",
    "transfer_failed",
    "transfer_busy",
    "callback",
    "callback_confirmed",
    "callback_thanks",
    "no_alert",
    "unknown",
)
SELF_SERVICE_PIECES = ("me_code", "number_code")
"""A member's own page (#24): a code read out in a service call to open the page or to
confirm a new number ({code}: binalert.members.courier fills it; the SMS texts are the
sms_me_link and sms_number_code pieces)."""
BY_PHONE_PIECES = (
    "stop_offer",
    "stop_confirm",
    "stopped",
    "stopped_call_in",
    "stop_kept",
    "language_offer",
    "language_choice",
    "chosen",
    "menu",
    "confirm_stop",
    "confirm_language",
)
KEY_PIECES = (
    "prompt",
    "invalid_key",
    "transfer_offer",
    "stop_offer",
    "stop_confirm",
    "language_offer",
    "language_choice",
)
"""Pieces that name a key: spoken at PROMPT_RATE."""
UNKNOWN_LANGUAGES = ("nl", "fr", "de", "en")
"""The order the unknown-caller message is spoken in, one language after the other."""


def phrase(piece: str, language: str, zone: str = "", bin_name: str = "") -> str:
    """One piece's text; placeholders are filled with plain text (braces in names are safe)."""
    template = PHRASES[check_language(language)][piece]
    return template.replace("{zone}", zone.strip()).replace("{bin_name}", bin_name.strip())
