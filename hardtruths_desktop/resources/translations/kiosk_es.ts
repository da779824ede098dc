<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<!-- Spanish (Español) translation of the patient kiosk (Friends and Family Test). -->
<!-- Review status: DRAFT, NOT REVIEWED. Written for this project; no qualified translator, native speaker or patient panel has checked it. The FFT question and its six answers have not been checked against NHS England's published wording in this language. Have it reviewed before patients use it on a ward. -->
<TS version="2.1" language="es_ES" sourcelanguage="en_GB">
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
        <translation>Elija su idioma</translation>
    </message>
    <message>
        <source>Easy read with pictures</source>
        <translation>Lectura fácil con imágenes</translation>
    </message>
    <message>
        <source>For children</source>
        <translation>Para niños</translation>
    </message>
    <message>
        <source>Overall, how was your experience of our service?</source>
        <translation>En general, ¿cómo fue su experiencia con nuestro servicio?</translation>
    </message>
    <message>
        <source>Very good</source>
        <translation>Muy buena</translation>
    </message>
    <message>
        <source>Good</source>
        <translation>Buena</translation>
    </message>
    <message>
        <source>Neither good nor poor</source>
        <translation>Ni buena ni mala</translation>
    </message>
    <message>
        <source>Poor</source>
        <translation>Mala</translation>
    </message>
    <message>
        <source>Very poor</source>
        <translation>Muy mala</translation>
    </message>
    <message>
        <source>Don't know</source>
        <translation>No sé</translation>
    </message>
    <message>
        <source>What was good?</source>
        <translation>¿Qué estuvo bien?</translation>
    </message>
    <message>
        <source>What could we do better?</source>
        <translation>¿Qué podríamos hacer mejor?</translation>
    </message>
    <message>
        <source>Please do not write names, phone numbers or other personal details.</source>
        <translation>Por favor, no escriba nombres, números de teléfono ni otros datos personales.</translation>
    </message>
    <message>
        <source>Type here (you can leave this empty)</source>
        <translation>Escriba aquí (puede dejarlo en blanco)</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>Siguiente</translation>
    </message>
    <message>
        <source>Skip</source>
        <translation>Omitir</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>Terminar</translation>
    </message>
    <message>
        <source>Start again</source>
        <translation>Empezar de nuevo</translation>
    </message>
    <message>
        <source>Bigger text</source>
        <translation>Texto más grande</translation>
    </message>
    <message>
        <source>Thank you. Your answers have been saved.</source>
        <translation>Gracias. Sus respuestas se han guardado.</translation>
    </message>
    <message>
        <source>Your answers are anonymous. They help us improve care on this ward.</source>
        <translation>Sus respuestas son anónimas. Nos ayudan a mejorar la atención en esta planta.</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>Personal</translation>
    </message>
    <message>
        <source>How was your time on our ward?</source>
        <translation>¿Cómo fue su estancia en nuestra planta?</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>Regular</translation>
    </message>
    <message>
        <source>Bad</source>
        <translation>Mal</translation>
    </message>
    <message>
        <source>Very bad</source>
        <translation>Muy mal</translation>
    </message>
    <message>
        <source>I don't know</source>
        <translation>No sé</translation>
    </message>
    <message>
        <source>What did you like?</source>
        <translation>¿Qué le gustó?</translation>
    </message>
    <message>
        <source>What should we change?</source>
        <translation>¿Qué deberíamos cambiar?</translation>
    </message>
    <message>
        <source>Thank you!</source>
        <translation>¡Gracias!</translation>
    </message>
    <message>
        <source>How was your time with us?</source>
        <translation>¿Cómo lo pasaste con nosotros?</translation>
    </message>
    <message>
        <source>Really good</source>
        <translation>Muy bien</translation>
    </message>
    <message>
        <source>Not good</source>
        <translation>No muy bien</translation>
    </message>
    <message>
        <source>Really bad</source>
        <translation>Muy mal</translation>
    </message>
    <message>
        <source>What would make it better?</source>
        <translation>¿Qué lo haría mejor?</translation>
    </message>
</context>
</TS>
