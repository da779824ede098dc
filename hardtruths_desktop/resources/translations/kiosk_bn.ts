<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<!-- Bengali (বাংলা) translation of the patient kiosk (Friends and Family Test). -->
<!-- Review status: DRAFT, NOT REVIEWED. Written for this project; no qualified translator, native speaker or patient panel has checked it. The FFT question and its six answers have not been checked against NHS England's published wording in this language. Have it reviewed before patients use it on a ward. -->
<TS version="2.1" language="bn_BD" sourcelanguage="en_GB">
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
        <translation>আপনার ভাষা বেছে নিন</translation>
    </message>
    <message>
        <source>Easy read with pictures</source>
        <translation>ছবিসহ সহজ পাঠ</translation>
    </message>
    <message>
        <source>For children</source>
        <translation>শিশুদের জন্য</translation>
    </message>
    <message>
        <source>Overall, how was your experience of our service?</source>
        <translation>সামগ্রিকভাবে, আমাদের সেবা নিয়ে আপনার অভিজ্ঞতা কেমন ছিল?</translation>
    </message>
    <message>
        <source>Very good</source>
        <translation>খুব ভালো</translation>
    </message>
    <message>
        <source>Good</source>
        <translation>ভালো</translation>
    </message>
    <message>
        <source>Neither good nor poor</source>
        <translation>ভালোও না খারাপও না</translation>
    </message>
    <message>
        <source>Poor</source>
        <translation>খারাপ</translation>
    </message>
    <message>
        <source>Very poor</source>
        <translation>খুব খারাপ</translation>
    </message>
    <message>
        <source>Don't know</source>
        <translation>জানি না</translation>
    </message>
    <message>
        <source>What was good?</source>
        <translation>কী ভালো ছিল?</translation>
    </message>
    <message>
        <source>What could we do better?</source>
        <translation>আমরা কী আরও ভালো করতে পারি?</translation>
    </message>
    <message>
        <source>Please do not write names, phone numbers or other personal details.</source>
        <translation>অনুগ্রহ করে নাম, ফোন নম্বর বা অন্য কোনো ব্যক্তিগত তথ্য লিখবেন না।</translation>
    </message>
    <message>
        <source>Type here (you can leave this empty)</source>
        <translation>এখানে লিখুন (খালি রাখতে পারেন)</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>পরবর্তী</translation>
    </message>
    <message>
        <source>Skip</source>
        <translation>বাদ দিন</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>শেষ করুন</translation>
    </message>
    <message>
        <source>Start again</source>
        <translation>আবার শুরু করুন</translation>
    </message>
    <message>
        <source>Bigger text</source>
        <translation>বড় লেখা</translation>
    </message>
    <message>
        <source>Thank you. Your answers have been saved.</source>
        <translation>ধন্যবাদ। আপনার উত্তরগুলো সংরক্ষণ করা হয়েছে।</translation>
    </message>
    <message>
        <source>Your answers are anonymous. They help us improve care on this ward.</source>
        <translation>আপনার উত্তরগুলো বেনামী। এগুলো এই ওয়ার্ডে সেবার মান উন্নত করতে আমাদের সাহায্য করে।</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>কর্মী</translation>
    </message>
    <message>
        <source>How was your time on our ward?</source>
        <translation>আমাদের ওয়ার্ডে আপনার সময় কেমন কেটেছে?</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>মোটামুটি</translation>
    </message>
    <message>
        <source>Bad</source>
        <translation>খারাপ</translation>
    </message>
    <message>
        <source>Very bad</source>
        <translation>খুব খারাপ</translation>
    </message>
    <message>
        <source>I don't know</source>
        <translation>আমি জানি না</translation>
    </message>
    <message>
        <source>What did you like?</source>
        <translation>আপনার কী ভালো লেগেছে?</translation>
    </message>
    <message>
        <source>What should we change?</source>
        <translation>আমাদের কী বদলানো উচিত?</translation>
    </message>
    <message>
        <source>Thank you!</source>
        <translation>ধন্যবাদ!</translation>
    </message>
    <message>
        <source>How was your time with us?</source>
        <translation>আমাদের সাথে তোমার সময় কেমন কাটল?</translation>
    </message>
    <message>
        <source>Really good</source>
        <translation>দারুণ</translation>
    </message>
    <message>
        <source>Not good</source>
        <translation>ভালো না</translation>
    </message>
    <message>
        <source>Really bad</source>
        <translation>খুব খারাপ</translation>
    </message>
    <message>
        <source>What would make it better?</source>
        <translation>কী হলে আরও ভালো হতো?</translation>
    </message>
</context>
</TS>
