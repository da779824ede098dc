<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<!-- Punjabi (Gurmukhi) (ਪੰਜਾਬੀ) translation of the patient kiosk (Friends and Family Test). -->
<!-- Review status: DRAFT, NOT REVIEWED. Written for this project; no qualified translator, native speaker or patient panel has checked it. The FFT question and its six answers have not been checked against NHS England's published wording in this language. Have it reviewed before patients use it on a ward. -->
<TS version="2.1" language="pa_IN" sourcelanguage="en_GB">
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
        <translation>ਆਪਣੀ ਭਾਸ਼ਾ ਚੁਣੋ</translation>
    </message>
    <message>
        <source>Easy read with pictures</source>
        <translation>ਤਸਵੀਰਾਂ ਨਾਲ ਆਸਾਨ ਪਾਠ</translation>
    </message>
    <message>
        <source>For children</source>
        <translation>ਬੱਚਿਆਂ ਲਈ</translation>
    </message>
    <message>
        <source>Overall, how was your experience of our service?</source>
        <translation>ਕੁੱਲ ਮਿਲਾ ਕੇ, ਸਾਡੀ ਸੇਵਾ ਨਾਲ ਤੁਹਾਡਾ ਤਜਰਬਾ ਕਿਹੋ ਜਿਹਾ ਰਿਹਾ?</translation>
    </message>
    <message>
        <source>Very good</source>
        <translation>ਬਹੁਤ ਵਧੀਆ</translation>
    </message>
    <message>
        <source>Good</source>
        <translation>ਵਧੀਆ</translation>
    </message>
    <message>
        <source>Neither good nor poor</source>
        <translation>ਨਾ ਵਧੀਆ ਨਾ ਮਾੜਾ</translation>
    </message>
    <message>
        <source>Poor</source>
        <translation>ਮਾੜਾ</translation>
    </message>
    <message>
        <source>Very poor</source>
        <translation>ਬਹੁਤ ਮਾੜਾ</translation>
    </message>
    <message>
        <source>Don't know</source>
        <translation>ਪਤਾ ਨਹੀਂ</translation>
    </message>
    <message>
        <source>What was good?</source>
        <translation>ਕੀ ਵਧੀਆ ਸੀ?</translation>
    </message>
    <message>
        <source>What could we do better?</source>
        <translation>ਅਸੀਂ ਕੀ ਬਿਹਤਰ ਕਰ ਸਕਦੇ ਹਾਂ?</translation>
    </message>
    <message>
        <source>Please do not write names, phone numbers or other personal details.</source>
        <translation>ਕਿਰਪਾ ਕਰਕੇ ਨਾਮ, ਫ਼ੋਨ ਨੰਬਰ ਜਾਂ ਹੋਰ ਨਿੱਜੀ ਜਾਣਕਾਰੀ ਨਾ ਲਿਖੋ।</translation>
    </message>
    <message>
        <source>Type here (you can leave this empty)</source>
        <translation>ਇੱਥੇ ਲਿਖੋ (ਤੁਸੀਂ ਇਸਨੂੰ ਖਾਲੀ ਛੱਡ ਸਕਦੇ ਹੋ)</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>ਅੱਗੇ</translation>
    </message>
    <message>
        <source>Skip</source>
        <translation>ਛੱਡੋ</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>ਖ਼ਤਮ ਕਰੋ</translation>
    </message>
    <message>
        <source>Start again</source>
        <translation>ਦੁਬਾਰਾ ਸ਼ੁਰੂ ਕਰੋ</translation>
    </message>
    <message>
        <source>Bigger text</source>
        <translation>ਵੱਡੇ ਅੱਖਰ</translation>
    </message>
    <message>
        <source>Thank you. Your answers have been saved.</source>
        <translation>ਧੰਨਵਾਦ। ਤੁਹਾਡੇ ਜਵਾਬ ਸੁਰੱਖਿਅਤ ਕਰ ਲਏ ਗਏ ਹਨ।</translation>
    </message>
    <message>
        <source>Your answers are anonymous. They help us improve care on this ward.</source>
        <translation>ਤੁਹਾਡੇ ਜਵਾਬ ਗੁਮਨਾਮ ਹਨ। ਇਹ ਇਸ ਵਾਰਡ ਵਿੱਚ ਦੇਖਭਾਲ ਨੂੰ ਬਿਹਤਰ ਬਣਾਉਣ ਵਿੱਚ ਸਾਡੀ ਮਦਦ ਕਰਦੇ ਹਨ।</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>ਸਟਾਫ਼</translation>
    </message>
    <message>
        <source>How was your time on our ward?</source>
        <translation>ਸਾਡੇ ਵਾਰਡ ਵਿੱਚ ਤੁਹਾਡਾ ਸਮਾਂ ਕਿਵੇਂ ਰਿਹਾ?</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>ਠੀਕ-ਠਾਕ</translation>
    </message>
    <message>
        <source>Bad</source>
        <translation>ਮਾੜਾ</translation>
    </message>
    <message>
        <source>Very bad</source>
        <translation>ਬਹੁਤ ਮਾੜਾ</translation>
    </message>
    <message>
        <source>I don't know</source>
        <translation>ਮੈਨੂੰ ਨਹੀਂ ਪਤਾ</translation>
    </message>
    <message>
        <source>What did you like?</source>
        <translation>ਤੁਹਾਨੂੰ ਕੀ ਚੰਗਾ ਲੱਗਿਆ?</translation>
    </message>
    <message>
        <source>What should we change?</source>
        <translation>ਸਾਨੂੰ ਕੀ ਬਦਲਣਾ ਚਾਹੀਦਾ ਹੈ?</translation>
    </message>
    <message>
        <source>Thank you!</source>
        <translation>ਧੰਨਵਾਦ!</translation>
    </message>
    <message>
        <source>How was your time with us?</source>
        <translation>ਸਾਡੇ ਨਾਲ ਤੇਰਾ ਸਮਾਂ ਕਿਵੇਂ ਰਿਹਾ?</translation>
    </message>
    <message>
        <source>Really good</source>
        <translation>ਬਹੁਤ ਵਧੀਆ</translation>
    </message>
    <message>
        <source>Not good</source>
        <translation>ਚੰਗਾ ਨਹੀਂ</translation>
    </message>
    <message>
        <source>Really bad</source>
        <translation>ਬਹੁਤ ਮਾੜਾ</translation>
    </message>
    <message>
        <source>What would make it better?</source>
        <translation>ਕਿਹੜੀ ਚੀਜ਼ ਇਸਨੂੰ ਬਿਹਤਰ ਬਣਾਏਗੀ?</translation>
    </message>
</context>
</TS>
