"""Alert sentences for the intelligibility bench (`bench/intelligibility_bench.py`).

Written for the bench only (no test, template or calibration text uses them): streets, times,
numbers, plates, car makes and colours, advice, in the style of real BIN messages. Plates use
letters that blur on a phone line (M/N, B/D/P/T, F/S, V). Facts (plates, phone numbers, times)
are found in each sentence by the bench itself, with the normaliser's own patterns.
"""

from __future__ import annotations

CORPUS: dict[str, list[str]] = {
    "nl": [
        "Een witte bestelwagen met nummerplaat 1-KMT-482 rijdt traag door de Stationsstraat.",
        "Twee mannen in donkere kledij werden om 21u30 gezien in de Lindenlaan.",
        "Blijf binnen en doe de buitenverlichting aan.",
        "Een grijze Volkswagen Golf, plaat 2-BDP-719, is op de vlucht richting Gent.",
        "Er werd ingebroken in drie woningen in de Kapelstraat en de Molenweg.",
        "Bel de politie op 101 als u iets verdachts ziet.",
        "De verdachte is ongeveer dertig jaar oud en draagt een rode pet.",
        "Sluit uw ramen en deuren en laat niemand binnen die u niet kent.",
        "Een zwarte Audi met plaat 1-NMV-356 stond om 23u15 aan het kerkhof.",
        "Ga niet zelf achter de daders aan.",
        "Een vrouw belt aan en zegt dat ze van de waterleiding komt.",
        "Geef nooit geld of bankkaarten aan iemand aan de deur.",
        "Een blauwe Opel Corsa werd gezien aan de Heirweg om 22u45.",
        "De nummerplaat van de wagen is 2-TPD-204.",
        "Voor vragen kan u het politiekantoor bellen op 050 44 88 00.",
        "Er loopt een man met een rugzak door de tuinen achter de Beekstraat.",
        "Let op uw fiets en zet hem op slot in de garage.",
        "Een zilveren Peugeot met plaat 1-FSV-613 reed weg over de Brugsesteenweg.",
        "De politie is ter plaatse en doorzoekt de wijk.",
        "Om 4u20 werd een auto opengebroken in de Nieuwstraat.",
        "Noteer de nummerplaat als u de wagen ziet, maar spreek de inzittenden niet aan.",
        "Een groene bestelwagen zonder ramen staat al twee uur in de Dorpsstraat.",
        "Bel de wijkagent op 0477 21 64 90 als u meer informatie heeft.",
        "Twee jongeren op een scooter kijken in geparkeerde wagens.",
        "Een rode Renault Clio met plaat 1-DBM-871 is betrokken bij de diefstal.",
        "Houd uw huisdieren vannacht binnen.",
        "De verdachten vluchtten te voet richting het station.",
        "Het gaat om een man van ongeveer één meter tachtig met een grijze jas.",
        "Tussen 18u00 en 20u00 werden vijf tuinhuizen bezocht.",
        "Een witte Mercedes Sprinter met plaat 2-MNP-530 werd om 17u10 gezien.",
        "Bedankt om alert te blijven en elkaar te helpen.",
        "Laat geen sleutels of waardevolle spullen zichtbaar liggen in uw wagen.",
    ],
    "fr": [
        "Une camionnette blanche immatriculée 1-KMT-482 circule lentement rue de la Station.",
        "Deux hommes vêtus de sombre ont été vus à 21h30 avenue des Tilleuls.",
        "Restez chez vous et allumez l'éclairage extérieur.",
        "Une Volkswagen Golf grise, plaque 2-BDP-719, a pris la fuite vers Namur.",
        "Trois maisons ont été cambriolées rue de la Chapelle et chemin du Moulin.",
        "Appelez la police au 101 si vous remarquez quelque chose de suspect.",
        "Le suspect a environ trente ans et porte une casquette rouge.",
        "Fermez vos portes et vos fenêtres et n'ouvrez pas aux inconnus.",
        "Une Audi noire immatriculée 1-NMV-356 était garée près du cimetière à 23h15.",
        "Ne poursuivez pas vous-même les auteurs.",
        "Une femme sonne aux portes en prétendant venir pour le compteur d'eau.",
        "Ne donnez jamais d'argent ni de carte bancaire à quelqu'un à la porte.",
        "Une Opel Corsa bleue a été aperçue chaussée de Louvain à 22h45.",
        "La plaque du véhicule est 2-TPD-204.",
        "Pour toute question, appelez le commissariat au 081 24 68 00.",
        "Un homme avec un sac à dos traverse les jardins derrière la rue du Ruisseau.",
        "Rangez votre vélo dans le garage et fermez-le à clé.",
        "Une Peugeot grise immatriculée 1-FSV-613 est partie par la route de Mons.",
        "La police est sur place et fouille le quartier.",
        "À 4h20, une voiture a été fracturée rue Neuve.",
        "Notez la plaque si vous voyez le véhicule, mais n'abordez pas ses occupants.",
        "Une camionnette verte sans vitres est stationnée depuis deux heures place du Village.",
        "Appelez l'agent de quartier au 0477 21 64 90 si vous avez des informations.",
        "Deux jeunes à scooter regardent à l'intérieur des voitures garées.",
        "Une Renault Clio rouge immatriculée 1-DBM-871 est impliquée dans le vol.",
        "Gardez vos animaux à l'intérieur cette nuit.",
        "Les suspects se sont enfuis à pied en direction de la gare.",
        "Il s'agit d'un homme d'environ un mètre quatre-vingts portant une veste grise.",
        "Entre 18h00 et 20h00, cinq abris de jardin ont été visités.",
        "Une Mercedes Sprinter blanche immatriculée 2-MNP-530 a été vue à 17h10.",
        "Merci de rester attentifs et de vous entraider.",
        "Ne laissez ni clés ni objets de valeur visibles dans votre voiture.",
    ],
    "de": [
        "Ein weißer Lieferwagen mit dem Kennzeichen 1-KMT-482 fährt langsam durch die "
        "Bahnhofstraße.",
        "Zwei dunkel gekleidete Männer wurden um 21:30 in der Lindenallee gesehen.",
        "Bleiben Sie im Haus und schalten Sie die Außenbeleuchtung ein.",
        "Ein grauer Volkswagen Golf, Kennzeichen 2-BDP-719, flüchtet in Richtung Eupen.",
        "In der Kapellenstraße und am Mühlenweg wurde in drei Häuser eingebrochen.",
        "Rufen Sie die Polizei unter 101 an, wenn Sie etwas Verdächtiges sehen.",
        "Der Verdächtige ist etwa dreißig Jahre alt und trägt eine rote Mütze.",
        "Schließen Sie Fenster und Türen und lassen Sie keine Fremden herein.",
        "Ein schwarzer Audi mit dem Kennzeichen 1-NMV-356 stand um 23:15 am Friedhof.",
        "Verfolgen Sie die Täter nicht selbst.",
        "Eine Frau klingelt und behauptet, sie komme von den Wasserwerken.",
        "Geben Sie an der Tür niemals Geld oder Bankkarten heraus.",
        "Ein blauer Opel Corsa wurde um 22:45 an der Aachener Straße gesehen.",
        "Das Kennzeichen des Wagens lautet 2-TPD-204.",
        "Bei Fragen erreichen Sie die Polizeiwache unter 087 59 65 00.",
        "Ein Mann mit einem Rucksack läuft durch die Gärten hinter der Bachstraße.",
        "Schließen Sie Ihr Fahrrad in der Garage ab.",
        "Ein silberner Peugeot mit dem Kennzeichen 1-FSV-613 fuhr über die Hauptstraße davon.",
        "Die Polizei ist vor Ort und durchsucht das Viertel.",
        "Um 4:20 wurde in der Neustraße ein Auto aufgebrochen.",
        "Notieren Sie das Kennzeichen, aber sprechen Sie die Insassen nicht an.",
        "Ein grüner Lieferwagen ohne Fenster steht seit zwei Stunden in der Dorfstraße.",
        "Rufen Sie den Bezirksbeamten unter 0477 21 64 90 an, wenn Sie mehr wissen.",
        "Zwei Jugendliche auf einem Roller schauen in geparkte Autos.",
        "Ein roter Renault Clio mit dem Kennzeichen 1-DBM-871 ist an dem Diebstahl beteiligt.",
        "Lassen Sie Ihre Haustiere heute Nacht im Haus.",
        "Die Verdächtigen sind zu Fuß in Richtung Bahnhof geflohen.",
        "Es handelt sich um einen etwa einen Meter achtzig großen Mann mit grauer Jacke.",
        "Zwischen 18:00 und 20:00 wurden fünf Gartenhäuser aufgebrochen.",
        "Ein weißer Mercedes Sprinter mit dem Kennzeichen 2-MNP-530 wurde um 17:10 gesehen.",
        "Danke, dass Sie aufmerksam bleiben und einander helfen.",
        "Lassen Sie keine Schlüssel oder Wertsachen sichtbar im Auto liegen.",
    ],
    "en": [
        "A white van with number plate 1-KMT-482 is driving slowly along Station Street.",
        "Two men in dark clothes were seen at 21:30 on Lime Tree Avenue.",
        "Stay inside and turn on your outside lights.",
        "A grey Volkswagen Golf, plate 2-BDP-719, drove off towards Ghent.",
        "Three houses were broken into on Chapel Street and Mill Lane.",
        "Call the police on 101 if you notice anything suspicious.",
        "The suspect is about thirty years old and wears a red cap.",
        "Lock your doors and windows and do not let strangers in.",
        "A black Audi with plate 1-NMV-356 was parked by the cemetery at 23:15.",
        "Do not follow the offenders yourself.",
        "A woman is ringing doorbells claiming to read the water meter.",
        "Never give money or bank cards to anyone at the door.",
        "A blue Opel Corsa was seen on the main road at 22:45.",
        "The plate of the car is 2-TPD-204.",
        "For questions, call the police station on 050 44 88 00.",
        "A man with a backpack is walking through the gardens behind Brook Street.",
        "Lock your bicycle away in the garage.",
        "A silver Peugeot with plate 1-FSV-613 left along the Bruges road.",
        "The police are on the scene and searching the area.",
        "At 4:20 a car was broken into on New Street.",
        "Write down the plate if you see the car, but do not speak to the people inside.",
        "A green van without windows has been parked on Village Street for two hours.",
        "Call the local officer on 0477 21 64 90 if you know more.",
        "Two teenagers on a scooter are looking into parked cars.",
        "A red Renault Clio with plate 1-DBM-871 was used in the theft.",
        "Keep your pets indoors tonight.",
        "The suspects ran off on foot towards the station.",
        "The man is about one metre eighty tall and wears a grey jacket.",
        "Between 18:00 and 20:00 five garden sheds were broken into.",
        "A white Mercedes Sprinter with plate 2-MNP-530 was seen at 17:10.",
        "Thank you for staying alert and helping each other.",
    ],
}


def prompts() -> dict[str, list[str]]:
    """Every prompt binalert says 101 or 112 in, per language, as written: the two-way calls'
    pieces (press 3 failed, call-back without an alert, the unknown caller) and the sentences
    of the alert templates that say them. The bench measures how these numbers are heard."""
    import re

    from binalert.alerts.templates import TEXTS
    from binalert.models import Language
    from tts.normalise import _EMERGENCY
    from tts.phrases import PHRASES, phrase

    out: dict[str, list[str]] = {}
    for lang in CORPUS:
        texts = [phrase(piece, lang) for piece in PHRASES[lang]]
        for template in TEXTS.values():
            sentences = re.split(r"(?<=[.?!])\s+", template[Language(lang)])
            texts += [s for s in sentences if "{" not in s]
        said = [t for t in texts if _EMERGENCY.search(t)]
        out[lang] = list(dict.fromkeys(said))
    return out
