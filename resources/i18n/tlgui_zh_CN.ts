<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>ConfusionModel</name>
    <message numerus="yes">
        <source>%n {true} photo(s) correct ({share} of {true}). Click to see them.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n {true} photo(s) predicted as {predicted} ({share} of {true}). Click to see them.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>predicted class: {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>true class: {name}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ConfusionView</name>
    <message>
        <source>predicted class →</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>true class ↓</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LanguageMenu</name>
    <message>
        <source>&amp;Language</source>
        <extracomment>The saved value meaning &quot;follow the system&apos;s locale&quot;. Each language the window speaks, named in itself so that anyone can find their own.</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>System language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The new language applies the next time tlgui starts.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LayerTreeModel</name>
    <message>
        <source>Module</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Trainable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The new head: one output per class. It replaces the pretrained network&apos;s own output layer and always trains.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The new head always trains.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No parameters to train</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>&amp;Settings</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ModelExporter</name>
    <message>
        <source>tlgui models (*{suffix})</source>
        <extracomment>The file dialogs&apos; filter for tlgui&apos;s own model files (opening and exporting).</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ONNX models, checked with onnxruntime (*{suffix})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export model</source>
        <extracomment>How long closing the window waits for a model file being written.</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> Checked with onnxruntime: {figure}.</source>
        <extracomment>What the last finished export said (file and, for ONNX, the check&apos;s figure).</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Still writing the previous model file; try again in a moment.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Exporting the model to {path}…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model exported to {path}.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ProjectController</name>
    <message>
        <source>Untitled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Classify and Export now use “{name}”.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Deleted “{name}”.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> No run is in use now.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New project.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Opened {path}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved {path}.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ResultsPage</name>
    <message>
        <source>Train a model to see results</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>In use: the model Classify and Export use. A new run takes over by itself only when it beats the run in use on the same validation photos; otherwise select it and press “Use this run”. A project keeps {runs} runs and the models of {models}: the run in use, the newest, those ticked “keep”, then the next newest; the others keep their settings, curves and results.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Click a cell of the confusion matrix to see its photos.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This run comes from a project saved by an older tlgui, which did not record each photo&apos;s prediction: the matrix and the scores are all there is.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>validation accuracy {accuracy}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>best epoch {best} of {run}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>trained: {regime}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>time {duration}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>validation photos: {count}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> · stopped by the user</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use this run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Classify and Export use the selected run&apos;s model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rename</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Class</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Precision</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recall</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Validation photos</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Runs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Confusion matrix</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Per class</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Curves</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Selected cell</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Misclassified</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete “{name}”? Its settings, curves, results and model leave the project.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> It is the run in use: Classify and Export will have no model until you choose another.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This run is in use.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This run&apos;s model was let go: it cannot be used.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> · in use</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Misclassified ({count})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No validation photo was misclassified.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s), the most confident mistakes first.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>{shown} of the {mistakes} mistakes, the most confident first: the run kept the predictions of its first photos only.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source> %n photo(s) of them no longer in the project&apos;s bins.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n {label} photo(s) correctly recognised.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n {label} photo(s) taken for {predicted}.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source> The run kept the predictions of {count} of them.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RunPhotoModel</name>
    <message>
        <source>not in the bins</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No longer in the project&apos;s bins.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Now in the bin {name}.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RunsTableModel</name>
    <message>
        <source>In use</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>When</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Backbone</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Trained</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Epochs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Accuracy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ended</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> + hand-set layers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{run} of {planned}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>keep</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>let go</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Classify and Export use this run&apos;s model.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not in use.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This run&apos;s model was let go to keep the project small; its settings, curves and results stay.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ticked: the project keeps this model whatever runs come next. Unticked: it is kept while it is among the newest runs&apos; models.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stopped by the user; the run kept its best epoch so far.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The run whose model Classify and Export use</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Validation accuracy of the model the run kept (its best epoch)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Epochs run, of those planned</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tick to keep this run&apos;s model whatever runs come next</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>failed_saves</name>
    <message>
        <source>The project was not saved to {path}: {reason}.</source>
        <extracomment>One whole sentence per kind of file: a noun spliced into a sentence does not translate.</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The model was not saved to {path}: {reason}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The CSV file was not saved to {path}: {reason}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file was not saved to {path}: {reason}.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>progress_text</name>
    <message>
        <source>{seconds} s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{minutes} min {seconds} s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{hours} h {minutes} min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>about {duration} left</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{done} of {total}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
