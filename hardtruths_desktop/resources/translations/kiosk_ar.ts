<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<!-- Arabic (العربية) translation of the patient kiosk (Friends and Family Test). -->
<!-- Review status: DRAFT, NOT REVIEWED. Written for this project; no qualified translator, native speaker or patient panel has checked it. The FFT question and its six answers have not been checked against NHS England's published wording in this language. Have it reviewed before patients use it on a ward. -->
<TS version="2.1" language="ar" sourcelanguage="en_GB">
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
        <translation>اختر لغتك</translation>
    </message>
    <message>
        <source>Easy read with pictures</source>
        <translation>قراءة سهلة مع صور</translation>
    </message>
    <message>
        <source>For children</source>
        <translation>للأطفال</translation>
    </message>
    <message>
        <source>Overall, how was your experience of our service?</source>
        <translation>بشكل عام، كيف كانت تجربتك مع خدمتنا؟</translation>
    </message>
    <message>
        <source>Very good</source>
        <translation>جيدة جدًا</translation>
    </message>
    <message>
        <source>Good</source>
        <translation>جيدة</translation>
    </message>
    <message>
        <source>Neither good nor poor</source>
        <translation>لا جيدة ولا سيئة</translation>
    </message>
    <message>
        <source>Poor</source>
        <translation>سيئة</translation>
    </message>
    <message>
        <source>Very poor</source>
        <translation>سيئة جدًا</translation>
    </message>
    <message>
        <source>Don't know</source>
        <translation>لا أعرف</translation>
    </message>
    <message>
        <source>What was good?</source>
        <translation>ما الذي كان جيدًا؟</translation>
    </message>
    <message>
        <source>What could we do better?</source>
        <translation>ما الذي يمكننا أن نفعله بشكل أفضل؟</translation>
    </message>
    <message>
        <source>Please do not write names, phone numbers or other personal details.</source>
        <translation>يرجى عدم كتابة أسماء أو أرقام هواتف أو أي بيانات شخصية أخرى.</translation>
    </message>
    <message>
        <source>Type here (you can leave this empty)</source>
        <translation>اكتب هنا (يمكنك تركه فارغًا)</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>التالي</translation>
    </message>
    <message>
        <source>Skip</source>
        <translation>تخطٍّ</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>إنهاء</translation>
    </message>
    <message>
        <source>Start again</source>
        <translation>ابدأ من جديد</translation>
    </message>
    <message>
        <source>Bigger text</source>
        <translation>نص أكبر</translation>
    </message>
    <message>
        <source>Thank you. Your answers have been saved.</source>
        <translation>شكرًا لك. تم حفظ إجاباتك.</translation>
    </message>
    <message>
        <source>Your answers are anonymous. They help us improve care on this ward.</source>
        <translation>إجاباتك مجهولة الهوية. وهي تساعدنا على تحسين الرعاية في هذا الجناح.</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>الموظفون</translation>
    </message>
    <message>
        <source>How was your time on our ward?</source>
        <translation>كيف كانت إقامتك في جناحنا؟</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>مقبولة</translation>
    </message>
    <message>
        <source>Bad</source>
        <translation>سيئة</translation>
    </message>
    <message>
        <source>Very bad</source>
        <translation>سيئة جدًا</translation>
    </message>
    <message>
        <source>I don't know</source>
        <translation>لا أعرف</translation>
    </message>
    <message>
        <source>What did you like?</source>
        <translation>ما الذي أعجبك؟</translation>
    </message>
    <message>
        <source>What should we change?</source>
        <translation>ما الذي يجب أن نغيّره؟</translation>
    </message>
    <message>
        <source>Thank you!</source>
        <translation>شكرًا!</translation>
    </message>
    <message>
        <source>How was your time with us?</source>
        <translation>كيف كان وقتك معنا؟</translation>
    </message>
    <message>
        <source>Really good</source>
        <translation>رائع</translation>
    </message>
    <message>
        <source>Not good</source>
        <translation>ليس جيدًا</translation>
    </message>
    <message>
        <source>Really bad</source>
        <translation>سيئ جدًا</translation>
    </message>
    <message>
        <source>What would make it better?</source>
        <translation>ما الذي سيجعله أفضل؟</translation>
    </message>
</context>
</TS>
