<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<!-- Urdu (اردو) translation of the patient kiosk (Friends and Family Test). -->
<!-- Review status: DRAFT, NOT REVIEWED. Written for this project; no qualified translator, native speaker or patient panel has checked it. The FFT question and its six answers have not been checked against NHS England's published wording in this language. Have it reviewed before patients use it on a ward. -->
<TS version="2.1" language="ur_PK" sourcelanguage="en_GB">
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
        <translation>اپنی زبان منتخب کریں</translation>
    </message>
    <message>
        <source>Easy read with pictures</source>
        <translation>آسان زبان، تصویروں کے ساتھ</translation>
    </message>
    <message>
        <source>For children</source>
        <translation>بچوں کے لیے</translation>
    </message>
    <message>
        <source>Overall, how was your experience of our service?</source>
        <translation>مجموعی طور پر، ہماری سروس کے ساتھ آپ کا تجربہ کیسا رہا؟</translation>
    </message>
    <message>
        <source>Very good</source>
        <translation>بہت اچھا</translation>
    </message>
    <message>
        <source>Good</source>
        <translation>اچھا</translation>
    </message>
    <message>
        <source>Neither good nor poor</source>
        <translation>نہ اچھا نہ برا</translation>
    </message>
    <message>
        <source>Poor</source>
        <translation>برا</translation>
    </message>
    <message>
        <source>Very poor</source>
        <translation>بہت برا</translation>
    </message>
    <message>
        <source>Don't know</source>
        <translation>معلوم نہیں</translation>
    </message>
    <message>
        <source>What was good?</source>
        <translation>کیا اچھا تھا؟</translation>
    </message>
    <message>
        <source>What could we do better?</source>
        <translation>ہم کیا بہتر کر سکتے ہیں؟</translation>
    </message>
    <message>
        <source>Please do not write names, phone numbers or other personal details.</source>
        <translation>براہ کرم نام، فون نمبر یا کوئی اور ذاتی معلومات نہ لکھیں۔</translation>
    </message>
    <message>
        <source>Type here (you can leave this empty)</source>
        <translation>یہاں لکھیں (آپ اسے خالی چھوڑ سکتے ہیں)</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>آگے</translation>
    </message>
    <message>
        <source>Skip</source>
        <translation>چھوڑ دیں</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>ختم کریں</translation>
    </message>
    <message>
        <source>Start again</source>
        <translation>دوبارہ شروع کریں</translation>
    </message>
    <message>
        <source>Bigger text</source>
        <translation>بڑا متن</translation>
    </message>
    <message>
        <source>Thank you. Your answers have been saved.</source>
        <translation>شکریہ۔ آپ کے جوابات محفوظ ہو گئے ہیں۔</translation>
    </message>
    <message>
        <source>Your answers are anonymous. They help us improve care on this ward.</source>
        <translation>آپ کے جوابات گمنام ہیں۔ یہ اس وارڈ میں دیکھ بھال بہتر بنانے میں ہماری مدد کرتے ہیں۔</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>عملہ</translation>
    </message>
    <message>
        <source>How was your time on our ward?</source>
        <translation>ہمارے وارڈ میں آپ کا وقت کیسا رہا؟</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>ٹھیک</translation>
    </message>
    <message>
        <source>Bad</source>
        <translation>برا</translation>
    </message>
    <message>
        <source>Very bad</source>
        <translation>بہت برا</translation>
    </message>
    <message>
        <source>I don't know</source>
        <translation>مجھے نہیں معلوم</translation>
    </message>
    <message>
        <source>What did you like?</source>
        <translation>آپ کو کیا اچھا لگا؟</translation>
    </message>
    <message>
        <source>What should we change?</source>
        <translation>ہمیں کیا بدلنا چاہیے؟</translation>
    </message>
    <message>
        <source>Thank you!</source>
        <translation>شکریہ!</translation>
    </message>
    <message>
        <source>How was your time with us?</source>
        <translation>ہمارے ساتھ تمہارا وقت کیسا رہا؟</translation>
    </message>
    <message>
        <source>Really good</source>
        <translation>بہت زبردست</translation>
    </message>
    <message>
        <source>Not good</source>
        <translation>اچھا نہیں</translation>
    </message>
    <message>
        <source>Really bad</source>
        <translation>بہت برا</translation>
    </message>
    <message>
        <source>What would make it better?</source>
        <translation>کیا چیز اسے بہتر بنا سکتی ہے؟</translation>
    </message>
</context>
</TS>
