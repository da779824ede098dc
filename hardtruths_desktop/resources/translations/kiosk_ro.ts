<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<!-- Romanian (Română) translation of the patient kiosk (Friends and Family Test). -->
<!-- Review status: DRAFT, NOT REVIEWED. Written for this project; no qualified translator, native speaker or patient panel has checked it. The FFT question and its six answers have not been checked against NHS England's published wording in this language. Have it reviewed before patients use it on a ward. -->
<TS version="2.1" language="ro_RO" sourcelanguage="en_GB">
<context>
    <name>About</name>
    <message>
        <source>Review status of this translation</source>
        <translation>DRAFT, NOT REVIEWED. Written for this project; no qualified translator, native speaker or patient panel has checked it. The FFT question and its six answers have not been checked against NHS England's published wording in this language. Have it reviewed before patients use it on a ward.</translation>
    </message>
</context>
<context>
    <name>Kiosk</name>
    <message>
        <source>Choose your language</source>
        <translation>Alegeți limba</translation>
    </message>
    <message>
        <source>Easy read with pictures</source>
        <translation>Ușor de citit, cu imagini</translation>
    </message>
    <message>
        <source>For children</source>
        <translation>Pentru copii</translation>
    </message>
    <message>
        <source>Overall, how was your experience of our service?</source>
        <translation>În general, cum a fost experiența dumneavoastră cu serviciile noastre?</translation>
    </message>
    <message>
        <source>Very good</source>
        <translation>Foarte bună</translation>
    </message>
    <message>
        <source>Good</source>
        <translation>Bună</translation>
    </message>
    <message>
        <source>Neither good nor poor</source>
        <translation>Nici bună, nici slabă</translation>
    </message>
    <message>
        <source>Poor</source>
        <translation>Slabă</translation>
    </message>
    <message>
        <source>Very poor</source>
        <translation>Foarte slabă</translation>
    </message>
    <message>
        <source>Don't know</source>
        <translation>Nu știu</translation>
    </message>
    <message>
        <source>What was good?</source>
        <translation>Ce a fost bine?</translation>
    </message>
    <message>
        <source>What could we do better?</source>
        <translation>Ce am putea face mai bine?</translation>
    </message>
    <message>
        <source>Please do not write names, phone numbers or other personal details.</source>
        <translation>Vă rugăm să nu scrieți nume, numere de telefon sau alte date personale.</translation>
    </message>
    <message>
        <source>Type here (you can leave this empty)</source>
        <translation>Scrieți aici (puteți lăsa gol)</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>Înainte</translation>
    </message>
    <message>
        <source>Skip</source>
        <translation>Omiteți</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>Terminați</translation>
    </message>
    <message>
        <source>Start again</source>
        <translation>Începeți din nou</translation>
    </message>
    <message>
        <source>Bigger text</source>
        <translation>Text mai mare</translation>
    </message>
    <message>
        <source>Thank you. Your answers have been saved.</source>
        <translation>Vă mulțumim. Răspunsurile dumneavoastră au fost salvate.</translation>
    </message>
    <message>
        <source>Your answers are anonymous. They help us improve care on this ward.</source>
        <translation>Răspunsurile sunt anonime. Ne ajută să îmbunătățim îngrijirea pe această secție.</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>Personal</translation>
    </message>
    <message>
        <source>How was your time on our ward?</source>
        <translation>Cum a fost la noi pe secție?</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>În regulă</translation>
    </message>
    <message>
        <source>Bad</source>
        <translation>Rău</translation>
    </message>
    <message>
        <source>Very bad</source>
        <translation>Foarte rău</translation>
    </message>
    <message>
        <source>I don't know</source>
        <translation>Nu știu</translation>
    </message>
    <message>
        <source>What did you like?</source>
        <translation>Ce v-a plăcut?</translation>
    </message>
    <message>
        <source>What should we change?</source>
        <translation>Ce ar trebui să schimbăm?</translation>
    </message>
    <message>
        <source>Thank you!</source>
        <translation>Mulțumim!</translation>
    </message>
    <message>
        <source>How was your time with us?</source>
        <translation>Cum ți-a fost la noi?</translation>
    </message>
    <message>
        <source>Really good</source>
        <translation>Foarte bine</translation>
    </message>
    <message>
        <source>Not good</source>
        <translation>Nu prea bine</translation>
    </message>
    <message>
        <source>Really bad</source>
        <translation>Foarte rău</translation>
    </message>
    <message>
        <source>What would make it better?</source>
        <translation>Ce ar face lucrurile mai bune?</translation>
    </message>
</context>
</TS>
