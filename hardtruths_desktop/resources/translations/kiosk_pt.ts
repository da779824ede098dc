<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<!-- Portuguese (Português) translation of the patient kiosk (Friends and Family Test). -->
<!-- Review status: DRAFT, NOT REVIEWED. Written for this project; no qualified translator, native speaker or patient panel has checked it. The FFT question and its six answers have not been checked against NHS England's published wording in this language. Have it reviewed before patients use it on a ward. -->
<TS version="2.1" language="pt_PT" sourcelanguage="en_GB">
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
        <translation>Escolha o seu idioma</translation>
    </message>
    <message>
        <source>Easy read with pictures</source>
        <translation>Leitura fácil com imagens</translation>
    </message>
    <message>
        <source>For children</source>
        <translation>Para crianças</translation>
    </message>
    <message>
        <source>Overall, how was your experience of our service?</source>
        <translation>De um modo geral, como foi a sua experiência com o nosso serviço?</translation>
    </message>
    <message>
        <source>Very good</source>
        <translation>Muito boa</translation>
    </message>
    <message>
        <source>Good</source>
        <translation>Boa</translation>
    </message>
    <message>
        <source>Neither good nor poor</source>
        <translation>Nem boa nem má</translation>
    </message>
    <message>
        <source>Poor</source>
        <translation>Má</translation>
    </message>
    <message>
        <source>Very poor</source>
        <translation>Muito má</translation>
    </message>
    <message>
        <source>Don't know</source>
        <translation>Não sei</translation>
    </message>
    <message>
        <source>What was good?</source>
        <translation>O que foi bom?</translation>
    </message>
    <message>
        <source>What could we do better?</source>
        <translation>O que poderíamos fazer melhor?</translation>
    </message>
    <message>
        <source>Please do not write names, phone numbers or other personal details.</source>
        <translation>Por favor, não escreva nomes, números de telefone ou outros dados pessoais.</translation>
    </message>
    <message>
        <source>Type here (you can leave this empty)</source>
        <translation>Escreva aqui (pode deixar em branco)</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>Seguinte</translation>
    </message>
    <message>
        <source>Skip</source>
        <translation>Saltar</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>Terminar</translation>
    </message>
    <message>
        <source>Start again</source>
        <translation>Recomeçar</translation>
    </message>
    <message>
        <source>Bigger text</source>
        <translation>Texto maior</translation>
    </message>
    <message>
        <source>Thank you. Your answers have been saved.</source>
        <translation>Obrigado. As suas respostas foram guardadas.</translation>
    </message>
    <message>
        <source>Your answers are anonymous. They help us improve care on this ward.</source>
        <translation>As suas respostas são anónimas. Ajudam-nos a melhorar os cuidados nesta enfermaria.</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>Pessoal</translation>
    </message>
    <message>
        <source>How was your time on our ward?</source>
        <translation>Como correu o seu internamento na nossa enfermaria?</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>Mais ou menos</translation>
    </message>
    <message>
        <source>Bad</source>
        <translation>Mau</translation>
    </message>
    <message>
        <source>Very bad</source>
        <translation>Muito mau</translation>
    </message>
    <message>
        <source>I don't know</source>
        <translation>Não sei</translation>
    </message>
    <message>
        <source>What did you like?</source>
        <translation>De que é que gostou?</translation>
    </message>
    <message>
        <source>What should we change?</source>
        <translation>O que devemos mudar?</translation>
    </message>
    <message>
        <source>Thank you!</source>
        <translation>Obrigado!</translation>
    </message>
    <message>
        <source>How was your time with us?</source>
        <translation>Como foi o teu tempo connosco?</translation>
    </message>
    <message>
        <source>Really good</source>
        <translation>Muito bom</translation>
    </message>
    <message>
        <source>Not good</source>
        <translation>Não foi bom</translation>
    </message>
    <message>
        <source>Really bad</source>
        <translation>Muito mau</translation>
    </message>
    <message>
        <source>What would make it better?</source>
        <translation>O que tornaria isto melhor?</translation>
    </message>
</context>
</TS>
