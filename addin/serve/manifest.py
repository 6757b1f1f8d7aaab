"""The add-in's manifest (``/manifest.xml``), sideloaded by the office from a shared-folder
catalog.

It follows xlwings Server's own template (xlwings_server/templates/manifest.xml, an Office
add-in only manifest with a shared runtime: the task pane page is also the functions'
page and the ribbon's ``FunctionFile``) with kaohe's changes:

- kaohe's own add-in id (:data:`~addin.serve.environment.MANIFEST_ID`), not xlwings' shared
  default ``4f342d85-…`` (two add-ins with one id replace each other in Excel);
- no ``<Namespace>``: the formulas keep their plain names (=ASSESS_COMPOSITE()), so the
  templates need no change;
- a 目标考核 tab whose button 重新计算排名 runs ``ExecuteFunction`` ``kaohe-recompute``,
  which the task pane's script associates with the recompute script
  (``Office.actions.associate``, as xlwings' ribbon.js does for its ``hello-ribbon``), and a
  button that opens the status pane;
- every URL under ``base_url``: https behind a proxy or with TLS.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from addin.serve.environment import MANIFEST_ID

RECOMPUTE_ACTION = "kaohe-recompute"
VERSION = "1.0.0.0"

BUTTON_ICONS = """\
                  <Icon>
                    <bt:Image size="16" resid="Icon.16x16" />
                    <bt:Image size="32" resid="Icon.32x32" />
                    <bt:Image size="80" resid="Icon.80x80" />
                  </Icon>"""
"""The icons of each button (its 16, 32 and 80 pixel images, declared once in Resources)."""

TEMPLATE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<OfficeApp xmlns="http://schemas.microsoft.com/office/appforoffice/1.1"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns:bt="http://schemas.microsoft.com/office/officeappbasictypes/1.0"
  xmlns:ov="http://schemas.microsoft.com/office/taskpaneappversionoverrides" xsi:type="TaskPaneApp">
  <Id>{id}</Id>
  <Version>{version}</Version>
  <ProviderName>kaohe</ProviderName>
  <DefaultLocale>zh-CN</DefaultLocale>
  <DisplayName DefaultValue="目标考核" />
  <Description DefaultValue="目标管理考核：公式与重新计算排名（kaohe serve）" />
  <IconUrl DefaultValue={icon32} />
  <HighResolutionIconUrl DefaultValue={icon64} />
  <SupportUrl DefaultValue={pane} />
  <AppDomains>
    <AppDomain>{base_text}</AppDomain>
  </AppDomains>
  <Hosts>
    <Host Name="Workbook" />
  </Hosts>
  <Requirements>
    <Sets DefaultMinVersion="1.1">
      <Set Name="SharedRuntime" MinVersion="1.1" />
    </Sets>
  </Requirements>
  <DefaultSettings>
    <SourceLocation DefaultValue={pane} />
  </DefaultSettings>
  <Permissions>ReadWriteDocument</Permissions>
  <VersionOverrides xmlns="http://schemas.microsoft.com/office/taskpaneappversionoverrides" xsi:type="VersionOverridesV1_0">
    <Hosts>
      <Host xsi:type="Workbook">
        <Runtimes>
          <Runtime resid="Taskpane.Url" lifetime="long" />
        </Runtimes>
        <AllFormFactors>
          <ExtensionPoint xsi:type="CustomFunctions">
            <Script>
              <SourceLocation resid="Functions.Script.Url" />
            </Script>
            <Page>
              <SourceLocation resid="Taskpane.Url" />
            </Page>
            <Metadata>
              <SourceLocation resid="Functions.Metadata.Url" />
            </Metadata>
          </ExtensionPoint>
        </AllFormFactors>
        <DesktopFormFactor>
          <FunctionFile resid="Taskpane.Url" />
          <ExtensionPoint xsi:type="PrimaryCommandSurface">
            <CustomTab id="KaoheTab">
              <Group id="KaoheGroup">
                <Label resid="Kaohe.Group" />
                <Icon>
                  <bt:Image size="16" resid="Icon.16x16" />
                  <bt:Image size="32" resid="Icon.32x32" />
                  <bt:Image size="80" resid="Icon.80x80" />
                </Icon>
                <Control xsi:type="Button" id="KaoheRecompute">
                  <Label resid="Kaohe.Recompute" />
                  <Supertip>
                    <Title resid="Kaohe.Recompute" />
                    <Description resid="Kaohe.Recompute.Tip" />
                  </Supertip>
{button_icons}
                  <Action xsi:type="ExecuteFunction">
                    <FunctionName>{action}</FunctionName>
                  </Action>
                </Control>
                <Control xsi:type="Button" id="KaohePane">
                  <Label resid="Kaohe.Pane" />
                  <Supertip>
                    <Title resid="Kaohe.Pane" />
                    <Description resid="Kaohe.Pane.Tip" />
                  </Supertip>
{button_icons}
                  <Action xsi:type="ShowTaskpane">
                    <TaskpaneId>KaohePane</TaskpaneId>
                    <SourceLocation resid="Taskpane.Url" />
                  </Action>
                </Control>
              </Group>
              <Label resid="Kaohe.Tab" />
            </CustomTab>
          </ExtensionPoint>
        </DesktopFormFactor>
      </Host>
    </Hosts>
    <Resources>
      <bt:Images>
        <bt:Image id="Icon.16x16" DefaultValue={icon16} />
        <bt:Image id="Icon.32x32" DefaultValue={icon32} />
        <bt:Image id="Icon.80x80" DefaultValue={icon80} />
      </bt:Images>
      <bt:Urls>
        <bt:Url id="Taskpane.Url" DefaultValue={pane} />
        <bt:Url id="Functions.Script.Url" DefaultValue={script} />
        <bt:Url id="Functions.Metadata.Url" DefaultValue={metadata} />
      </bt:Urls>
      <bt:ShortStrings>
        <bt:String id="Kaohe.Tab" DefaultValue="目标考核" />
        <bt:String id="Kaohe.Group" DefaultValue="目标考核" />
        <bt:String id="Kaohe.Recompute" DefaultValue="重新计算排名" />
        <bt:String id="Kaohe.Pane" DefaultValue="考核状态" />
      </bt:ShortStrings>
      <bt:LongStrings>
        <bt:String id="Kaohe.Recompute.Tip" DefaultValue="按考核方案重新计算本工作簿的排名、评先和人员等次，结果写入结果表（不改动输入表）" />
        <bt:String id="Kaohe.Pane.Tip" DefaultValue="本年度报送情况、暂扣文件和上次计算结果；首次使用请在此输入令牌" />
      </bt:LongStrings>
    </Resources>
  </VersionOverrides>
</OfficeApp>
"""


def render_manifest(base_url: str) -> str:
    """The manifest with every URL under ``base_url`` (no trailing slash)."""
    base = base_url.rstrip("/")
    icons = f"{base}/static/images/icons/xlwings-"
    return TEMPLATE.format(
        id=MANIFEST_ID, version=VERSION, action=RECOMPUTE_ACTION, button_icons=BUTTON_ICONS, base_text=quoteattr(base)[1:-1],
        pane=quoteattr(f"{base}/taskpane.html"), script=quoteattr(f"{base}/xlwings/custom-functions-code.js"),
        metadata=quoteattr(f"{base}/xlwings/custom-functions-meta.json"),
        icon16=quoteattr(f"{icons}16.png"), icon32=quoteattr(f"{icons}32.png"), icon64=quoteattr(f"{icons}64.png"),
        icon80=quoteattr(f"{icons}80.png"))
