<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>ConfusionModel</name>
    <message numerus="yes">
        <source>%n {true} photo(s) correct ({share} of {true}). Click to see them.</source>
        <translation>
            <numerusform>%n 张{true}照片预测正确（占{true}的 {share}）。点击查看。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n {true} photo(s) predicted as {predicted} ({share} of {true}). Click to see them.</source>
        <translation>
            <numerusform>%n 张{true}照片被预测为{predicted}（占{true}的 {share}）。点击查看。</numerusform>
        </translation>
    </message>
    <message>
        <source>predicted class: {name}</source>
        <translation>预测类别：{name}</translation>
    </message>
    <message>
        <source>true class: {name}</source>
        <translation>真实类别：{name}</translation>
    </message>
</context>
<context>
    <name>ConfusionView</name>
    <message>
        <source>predicted class →</source>
        <translation>预测类别 →</translation>
    </message>
    <message>
        <source>true class ↓</source>
        <translation>真实类别 ↓</translation>
    </message>
</context>
<context>
    <name>LanguageMenu</name>
    <message>
        <source>&amp;Language</source>
        <extracomment>The saved value meaning &quot;follow the system&apos;s locale&quot;. Each language the window speaks, named in itself so that anyone can find their own.</extracomment>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>The new language applies the next time tlgui starts.</source>
        <translation>新的语言将在下次启动 tlgui 时生效。</translation>
    </message>
</context>
<context>
    <name>LayerTreeModel</name>
    <message>
        <source>Module</source>
        <translation>模块</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>Trainable</source>
        <translation>可训练</translation>
    </message>
    <message>
        <source>The new head: one output per class. It replaces the pretrained network&apos;s own output layer and always trains.</source>
        <translation>新的分类头：每个类别一个输出。它取代预训练网络原有的输出层，并且总是参与训练。</translation>
    </message>
    <message>
        <source>The new head always trains.</source>
        <translation>新的分类头总是参与训练。</translation>
    </message>
    <message>
        <source>No parameters to train</source>
        <translation>没有可训练的参数</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>&amp;Settings</source>
        <translation>设置(&amp;S)</translation>
    </message>
</context>
<context>
    <name>ModelExporter</name>
    <message>
        <source>tlgui models (*{suffix})</source>
        <extracomment>The file dialogs&apos; filter for tlgui&apos;s own model files (opening and exporting).</extracomment>
        <translation>tlgui 模型 (*{suffix})</translation>
    </message>
    <message>
        <source>ONNX models, checked with onnxruntime (*{suffix})</source>
        <translation>ONNX 模型，经 onnxruntime 检查 (*{suffix})</translation>
    </message>
    <message>
        <source>Export model</source>
        <extracomment>How long closing the window waits for a model file being written.</extracomment>
        <translation>导出模型</translation>
    </message>
    <message>
        <source> Checked with onnxruntime: {figure}.</source>
        <extracomment>What the last finished export said (file and, for ONNX, the check&apos;s figure).</extracomment>
        <translation> 已用 onnxruntime 检查：{figure}。</translation>
    </message>
    <message>
        <source>Still writing the previous model file; try again in a moment.</source>
        <translation>仍在写入上一个模型文件；请稍后再试。</translation>
    </message>
    <message>
        <source>Exporting the model to {path}…</source>
        <translation>正在将模型导出到 {path}…</translation>
    </message>
    <message>
        <source>Model exported to {path}.</source>
        <translation>模型已导出到 {path}。</translation>
    </message>
</context>
<context>
    <name>ProgressPanel</name>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> — stopping…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ProjectController</name>
    <message>
        <source>Untitled</source>
        <translation>未命名</translation>
    </message>
    <message>
        <source>Classify and Export now use “{name}”.</source>
        <translation>“分类”和“导出”现在使用“{name}”。</translation>
    </message>
    <message>
        <source>Deleted “{name}”.</source>
        <translation>已删除“{name}”。</translation>
    </message>
    <message>
        <source> No run is in use now.</source>
        <translation> 现在没有正在使用的运行。</translation>
    </message>
    <message>
        <source>New project.</source>
        <translation>新项目。</translation>
    </message>
    <message>
        <source>Opened {path}.</source>
        <translation>已打开 {path}。</translation>
    </message>
    <message>
        <source>Saved {path}.</source>
        <translation>已保存 {path}。</translation>
    </message>
</context>
<context>
    <name>ResultsPage</name>
    <message>
        <source>Train a model to see results</source>
        <translation>训练一个模型后即可查看结果</translation>
    </message>
    <message>
        <source>In use: the model Classify and Export use. A new run takes over by itself only when it beats the run in use on the same validation photos; otherwise select it and press “Use this run”. A project keeps {runs} runs and the models of {models}: the run in use, the newest, those ticked “keep”, then the next newest; the others keep their settings, curves and results.</source>
        <translation>使用中：“分类”和“导出”所用的模型。新的运行只有在相同验证照片上胜过正在使用的运行时才会自动接替；否则请选中它并点击“使用此运行”。一个项目保留 {runs} 次运行和其中 {models} 次的模型：正在使用的、最新的、勾选了“保留”的，然后是次新的；其余运行保留其设置、曲线和结果。</translation>
    </message>
    <message>
        <source>Click a cell of the confusion matrix to see its photos.</source>
        <translation>点击混淆矩阵中的单元格以查看其照片。</translation>
    </message>
    <message>
        <source>This run comes from a project saved by an older tlgui, which did not record each photo&apos;s prediction: the matrix and the scores are all there is.</source>
        <translation>此运行来自旧版 tlgui 保存的项目，当时没有记录每张照片的预测：只有矩阵和分数可看。</translation>
    </message>
    <message>
        <source>validation accuracy {accuracy}</source>
        <translation>验证准确率 {accuracy}</translation>
    </message>
    <message>
        <source>best epoch {best} of {run}</source>
        <translation>最佳轮次 {best}/{run}</translation>
    </message>
    <message>
        <source>trained: {regime}</source>
        <translation>训练方式：{regime}</translation>
    </message>
    <message>
        <source>time {duration}</source>
        <translation>用时 {duration}</translation>
    </message>
    <message>
        <source>validation photos: {count}</source>
        <translation>验证照片：{count}</translation>
    </message>
    <message>
        <source> · stopped by the user</source>
        <translation> · 已被用户停止</translation>
    </message>
    <message>
        <source>Use this run</source>
        <translation>使用此运行</translation>
    </message>
    <message>
        <source>Classify and Export use the selected run&apos;s model</source>
        <translation>“分类”和“导出”使用所选运行的模型</translation>
    </message>
    <message>
        <source>Rename</source>
        <translation>重命名</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <source>Class</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>精确率</translation>
    </message>
    <message>
        <source>Recall</source>
        <translation>召回率</translation>
    </message>
    <message>
        <source>Validation photos</source>
        <translation>验证照片</translation>
    </message>
    <message>
        <source>Runs</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Confusion matrix</source>
        <translation>混淆矩阵</translation>
    </message>
    <message>
        <source>Per class</source>
        <translation>各类别</translation>
    </message>
    <message>
        <source>Curves</source>
        <translation>曲线</translation>
    </message>
    <message>
        <source>Selected cell</source>
        <translation>所选单元格</translation>
    </message>
    <message>
        <source>Misclassified</source>
        <translation>分类错误</translation>
    </message>
    <message>
        <source>Delete “{name}”? Its settings, curves, results and model leave the project.</source>
        <translation>删除“{name}”？其设置、曲线、结果和模型都将从项目中移除。</translation>
    </message>
    <message>
        <source> It is the run in use: Classify and Export will have no model until you choose another.</source>
        <translation> 它是正在使用的运行：在你选择另一个之前，“分类”和“导出”将没有模型可用。</translation>
    </message>
    <message>
        <source>Delete run</source>
        <translation>删除运行</translation>
    </message>
    <message>
        <source>This run is in use.</source>
        <translation>此运行正在使用中。</translation>
    </message>
    <message>
        <source>This run&apos;s model was let go: it cannot be used.</source>
        <translation>此运行的模型已被舍弃：无法使用。</translation>
    </message>
    <message>
        <source> · in use</source>
        <translation> · 使用中</translation>
    </message>
    <message>
        <source>Misclassified ({count})</source>
        <translation>分类错误（{count}）</translation>
    </message>
    <message>
        <source>No validation photo was misclassified.</source>
        <translation>没有验证照片被分错。</translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s), the most confident mistakes first.</source>
        <translation>
            <numerusform>%n 张照片，置信度最高的错误排在前面。</numerusform>
        </translation>
    </message>
    <message>
        <source>{shown} of the {mistakes} mistakes, the most confident first: the run kept the predictions of its first photos only.</source>
        <translation>{mistakes} 个错误中的 {shown} 个，置信度最高的排在前面：该运行只保留了前面一部分照片的预测。</translation>
    </message>
    <message numerus="yes">
        <source> %n photo(s) of them no longer in the project&apos;s bins.</source>
        <translation>
            <numerusform> 其中 %n 张照片已不在项目的类别中。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n {label} photo(s) correctly recognised.</source>
        <translation>
            <numerusform>%n 张{label}照片被正确识别。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n {label} photo(s) taken for {predicted}.</source>
        <translation>
            <numerusform>%n 张{label}照片被误认为{predicted}。</numerusform>
        </translation>
    </message>
    <message>
        <source> The run kept the predictions of {count} of them.</source>
        <translation> 该运行保留了其中 {count} 张的预测。</translation>
    </message>
</context>
<context>
    <name>RunPhotoModel</name>
    <message>
        <source>not in the bins</source>
        <translation>不在类别中</translation>
    </message>
    <message>
        <source>No longer in the project&apos;s bins.</source>
        <translation>已不在项目的类别中。</translation>
    </message>
    <message>
        <source>Now in the bin {name}.</source>
        <translation>现在位于类别 {name}。</translation>
    </message>
</context>
<context>
    <name>RunsTableModel</name>
    <message>
        <source>In use</source>
        <translation>使用中</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Backbone</source>
        <translation>主干网络</translation>
    </message>
    <message>
        <source>Trained</source>
        <translation>训练内容</translation>
    </message>
    <message>
        <source>Epochs</source>
        <translation>轮数</translation>
    </message>
    <message>
        <source>Accuracy</source>
        <translation>准确率</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>用时</translation>
    </message>
    <message>
        <source>Ended</source>
        <translation>结束方式</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source> + hand-set layers</source>
        <translation> + 手动设置的层</translation>
    </message>
    <message>
        <source>{run} of {planned}</source>
        <translation>{run}/{planned}</translation>
    </message>
    <message>
        <source>keep</source>
        <translation>保留</translation>
    </message>
    <message>
        <source>let go</source>
        <translation>已舍弃</translation>
    </message>
    <message>
        <source>Classify and Export use this run&apos;s model.</source>
        <translation>“分类”和“导出”使用此运行的模型。</translation>
    </message>
    <message>
        <source>Not in use.</source>
        <translation>未使用。</translation>
    </message>
    <message>
        <source>This run&apos;s model was let go to keep the project small; its settings, curves and results stay.</source>
        <translation>为控制项目大小，此运行的模型已被舍弃；其设置、曲线和结果仍保留。</translation>
    </message>
    <message>
        <source>Ticked: the project keeps this model whatever runs come next. Unticked: it is kept while it is among the newest runs&apos; models.</source>
        <translation>勾选：无论之后有哪些运行，项目都会保留此模型。未勾选：只要它仍属于最新几次运行的模型就会保留。</translation>
    </message>
    <message>
        <source>Stopped by the user; the run kept its best epoch so far.</source>
        <translation>已被用户停止；该运行保留了到当时为止的最佳轮次。</translation>
    </message>
    <message>
        <source>The run whose model Classify and Export use</source>
        <translation>其模型被“分类”和“导出”使用的运行</translation>
    </message>
    <message>
        <source>Validation accuracy of the model the run kept (its best epoch)</source>
        <translation>该运行所保留模型的验证准确率（其最佳轮次）</translation>
    </message>
    <message>
        <source>Epochs run, of those planned</source>
        <translation>已运行轮数/计划轮数</translation>
    </message>
    <message>
        <source>Tick to keep this run&apos;s model whatever runs come next</source>
        <translation>勾选后，无论之后有哪些运行都保留此运行的模型</translation>
    </message>
</context>
<context>
    <name>failed_saves</name>
    <message>
        <source>The project was not saved to {path}: {reason}.</source>
        <extracomment>One whole sentence per kind of file: a noun spliced into a sentence does not translate.</extracomment>
        <translation>项目未能保存到 {path}：{reason}。</translation>
    </message>
    <message>
        <source>The model was not saved to {path}: {reason}.</source>
        <translation>模型未能保存到 {path}：{reason}。</translation>
    </message>
    <message>
        <source>The CSV file was not saved to {path}: {reason}.</source>
        <translation>CSV 文件未能保存到 {path}：{reason}。</translation>
    </message>
    <message>
        <source>The file was not saved to {path}: {reason}.</source>
        <translation>文件未能保存到 {path}：{reason}。</translation>
    </message>
</context>
<context>
    <name>progress_text</name>
    <message>
        <source>{seconds} s</source>
        <translation>{seconds} 秒</translation>
    </message>
    <message>
        <source>{minutes} min {seconds} s</source>
        <translation>{minutes} 分 {seconds} 秒</translation>
    </message>
    <message>
        <source>{hours} h {minutes} min</source>
        <translation>{hours} 小时 {minutes} 分</translation>
    </message>
    <message>
        <source>about {duration} left</source>
        <translation>约剩 {duration}</translation>
    </message>
    <message>
        <source>{done} of {total}</source>
        <translation>{done}/{total}</translation>
    </message>
</context>
</TS>
