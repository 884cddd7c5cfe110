<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>ClassifyPage</name>
    <message numerus="yes">
        <source>%n folder(s) could not be opened and were left out: {folders}.</source>
        <translation>
            <numerusform>%n folder could not be opened and was left out: {folders}.</numerusform>
            <numerusform>%n folders could not be opened and were left out: {folders}.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ConfusionModel</name>
    <message numerus="yes">
        <source>%n {true} photo(s) correct ({share} of {true}). Click to see them.</source>
        <translation>
            <numerusform>%n {true} photo correct ({share} of {true}). Click to see it.</numerusform>
            <numerusform>%n {true} photos correct ({share} of {true}). Click to see them.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n {true} photo(s) predicted as {predicted} ({share} of {true}). Click to see them.</source>
        <translation>
            <numerusform>%n {true} photo predicted as {predicted} ({share} of {true}). Click to see it.</numerusform>
            <numerusform>%n {true} photos predicted as {predicted} ({share} of {true}). Click to see them.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DataPage</name>
    <message numerus="yes">
        <source>%n photo(s) found in {folder}.</source>
        <translation>
            <numerusform>%n photo found in {folder}.</numerusform>
            <numerusform>%n photos found in {folder}.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DuplicatesBanner</name>
    <message numerus="yes">
        <source>⚠ %n photo(s) appear(s) in two classes. A photo should carry one label; remove it from the wrong class.</source>
        <translation>
            <numerusform>⚠ %n photo appears in two classes. A photo should carry one label; remove it from the wrong class.</numerusform>
            <numerusform>⚠ %n photos appear in two classes. A photo should carry one label; remove it from the wrong class.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>⚠ %n photo(s) appear(s) in several classes. A photo should carry one label; remove it from the wrong class.</source>
        <translation>
            <numerusform>⚠ %n photo appears in several classes. A photo should carry one label; remove it from the wrong class.</numerusform>
            <numerusform>⚠ %n photos appear in several classes. A photo should carry one label; remove it from the wrong class.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DuplicatesDialog</name>
    <message numerus="yes">
        <source>%n photo(s) is/are in more than one class: the same picture, maybe under another file name. In the bins each copy carries an orange corner. Double-click the copy in the wrong class to select it there, then press Delete.</source>
        <translation>
            <numerusform>%n photo is in more than one class: the same picture, maybe under another file name. In the bins each copy carries an orange corner. Double-click the copy in the wrong class to select it there, then press Delete.</numerusform>
            <numerusform>%n photos are in more than one class: the same picture, maybe under another file name. In the bins each copy carries an orange corner. Double-click the copy in the wrong class to select it there, then press Delete.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MissingPhotosBanner</name>
    <message numerus="yes">
        <source>%n photo(s) of this project are not where it says (moved or deleted): they show no preview, and training skips them. If they were moved, show where they are now.</source>
        <translation>
            <numerusform>%n photo of this project is not where it says (moved or deleted): it shows no preview, and training skips it. If it was moved, show where it is now.</numerusform>
            <numerusform>%n photos of this project are not where it says (moved or deleted): they show no preview, and training skips them. If they were moved, show where they are now.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ProjectController</name>
    <message numerus="yes">
        <source>The project had moved: %n photo(s) were found again beside it.</source>
        <translation>
            <numerusform>The project had moved: %n photo was found again beside it.</numerusform>
            <numerusform>The project had moved: %n photos were found again beside it.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s) are not where the project says (moved or deleted).</source>
        <translation>
            <numerusform>%n photo is not where the project says (moved or deleted).</numerusform>
            <numerusform>%n photos are not where the project says (moved or deleted).</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ResultsPage</name>
    <message numerus="yes">
        <source>%n photo(s), the most confident mistakes first.</source>
        <translation>
            <numerusform>%n photo, the most confident mistakes first.</numerusform>
            <numerusform>%n photos, the most confident mistakes first.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source> %n photo(s) of them no longer in the project&apos;s bins.</source>
        <translation>
            <numerusform> %n photo of them is no longer in the project&apos;s bins.</numerusform>
            <numerusform> %n photos of them are no longer in the project&apos;s bins.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n {label} photo(s) correctly recognised.</source>
        <translation>
            <numerusform>%n {label} photo correctly recognised.</numerusform>
            <numerusform>%n {label} photos correctly recognised.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n {label} photo(s) taken for {predicted}.</source>
        <translation>
            <numerusform>%n {label} photo taken for {predicted}.</numerusform>
            <numerusform>%n {label} photos taken for {predicted}.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SkippedPanel</name>
    <message numerus="yes">
        <source>%n file(s) skipped (not readable as photos)</source>
        <translation>
            <numerusform>%n file skipped (not readable as photos)</numerusform>
            <numerusform>%n files skipped (not readable as photos)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>TrainPage</name>
    <message numerus="yes">
        <source>%n photo(s) could not be read and were left out.</source>
        <translation>
            <numerusform>%n photo could not be read and was left out.</numerusform>
            <numerusform>%n photos could not be read and were left out.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Head + last %n stage(s)</source>
        <translation>
            <numerusform>Head + last %n stage</numerusform>
            <numerusform>Head + last %n stages</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>_CountedNouns</name>
    <message numerus="yes">
        <source>%n photo(s)</source>
        <translation>
            <numerusform>%n photo</numerusform>
            <numerusform>%n photos</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n file(s)</source>
        <translation>
            <numerusform>%n file</numerusform>
            <numerusform>%n files</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n class(es)</source>
        <translation>
            <numerusform>%n class</numerusform>
            <numerusform>%n classes</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n copy(-ies)</source>
        <translation>
            <numerusform>%n copy</numerusform>
            <numerusform>%n copies</numerusform>
        </translation>
    </message>
</context>
</TS>
