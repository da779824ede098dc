<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<!-- Polish (Polski) translation of the patient kiosk (Friends and Family Test). -->
<!-- Review status: DRAFT, NOT REVIEWED. Written for this project; no qualified translator, native speaker or patient panel has checked it. The FFT question and its six answers have not been checked against NHS England's published wording in this language. Have it reviewed before patients use it on a ward. -->
<TS version="2.1" language="pl_PL" sourcelanguage="en_GB">
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
        <translation>Wybierz język</translation>
    </message>
    <message>
        <source>Easy read with pictures</source>
        <translation>Łatwy tekst z obrazkami</translation>
    </message>
    <message>
        <source>For children</source>
        <translation>Dla dzieci</translation>
    </message>
    <message>
        <source>Overall, how was your experience of our service?</source>
        <translation>Ogólnie, jak oceniasz swoje doświadczenia z naszymi usługami?</translation>
    </message>
    <message>
        <source>Very good</source>
        <translation>Bardzo dobrze</translation>
    </message>
    <message>
        <source>Good</source>
        <translation>Dobrze</translation>
    </message>
    <message>
        <source>Neither good nor poor</source>
        <translation>Ani dobrze, ani źle</translation>
    </message>
    <message>
        <source>Poor</source>
        <translation>Źle</translation>
    </message>
    <message>
        <source>Very poor</source>
        <translation>Bardzo źle</translation>
    </message>
    <message>
        <source>Don't know</source>
        <translation>Nie wiem</translation>
    </message>
    <message>
        <source>What was good?</source>
        <translation>Co było dobre?</translation>
    </message>
    <message>
        <source>What could we do better?</source>
        <translation>Co moglibyśmy poprawić?</translation>
    </message>
    <message>
        <source>Please do not write names, phone numbers or other personal details.</source>
        <translation>Prosimy nie wpisywać imion, nazwisk, numerów telefonów ani innych danych osobowych.</translation>
    </message>
    <message>
        <source>Type here (you can leave this empty)</source>
        <translation>Pisz tutaj (możesz zostawić puste pole)</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>Dalej</translation>
    </message>
    <message>
        <source>Skip</source>
        <translation>Pomiń</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>Zakończ</translation>
    </message>
    <message>
        <source>Start again</source>
        <translation>Zacznij od nowa</translation>
    </message>
    <message>
        <source>Bigger text</source>
        <translation>Większy tekst</translation>
    </message>
    <message>
        <source>Thank you. Your answers have been saved.</source>
        <translation>Dziękujemy. Twoje odpowiedzi zostały zapisane.</translation>
    </message>
    <message>
        <source>Your answers are anonymous. They help us improve care on this ward.</source>
        <translation>Twoje odpowiedzi są anonimowe. Pomagają nam poprawiać opiekę na tym oddziale.</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>Personel</translation>
    </message>
    <message>
        <source>How was your time on our ward?</source>
        <translation>Jak było na naszym oddziale?</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>W porządku</translation>
    </message>
    <message>
        <source>Bad</source>
        <translation>Źle</translation>
    </message>
    <message>
        <source>Very bad</source>
        <translation>Bardzo źle</translation>
    </message>
    <message>
        <source>I don't know</source>
        <translation>Nie wiem</translation>
    </message>
    <message>
        <source>What did you like?</source>
        <translation>Co ci się podobało?</translation>
    </message>
    <message>
        <source>What should we change?</source>
        <translation>Co powinniśmy zmienić?</translation>
    </message>
    <message>
        <source>Thank you!</source>
        <translation>Dziękujemy!</translation>
    </message>
    <message>
        <source>How was your time with us?</source>
        <translation>Jak ci było u nas?</translation>
    </message>
    <message>
        <source>Really good</source>
        <translation>Super</translation>
    </message>
    <message>
        <source>Not good</source>
        <translation>Nie za dobrze</translation>
    </message>
    <message>
        <source>Really bad</source>
        <translation>Bardzo źle</translation>
    </message>
    <message>
        <source>What would make it better?</source>
        <translation>Co mogłoby być lepsze?</translation>
    </message>
</context>
</TS>
