; Inno Setup 6 script: a per-user ClusterTrust installer (no administrator rights, no UAC prompt).
; Built by `python packaging\build.py --installer` on Windows, which runs:
;   ISCC.exe /DAppVersion=<pyproject version> /DSourceDir=<dist\clustertrust> /O<dist> clustertrust.iss
; Not run on the Linux CI machine: the GitHub Actions windows-latest job builds it.
;
; Installs into %LOCALAPPDATA%\Programs\ClusterTrust, adds a Start menu entry for the windowed
; clustertrust-gui.exe, and can add the folder to the user's PATH for clustertrust.exe (the CLI).
; Uninstalling removes the app only: certificates the user trusted stay trusted, because browsers
; and tools rely on them; `clustertrust uninstall --all` removes those first if wanted.

#ifndef AppVersion
  #error Pass the version: ISCC /DAppVersion=0.1.0 clustertrust.iss (build.py does this)
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\clustertrust"
#endif

[Setup]
; The AppId identifies the app for upgrades and uninstall: never change it.
AppId={{0DAEB209-6374-48F6-A963-4A0BEEA317D5}
AppName=ClusterTrust
AppVersion={#AppVersion}
AppVerName=ClusterTrust {#AppVersion}
AppPublisher=ClusterTrust contributors
VersionInfoVersion={#AppVersion}
; Per user: {autopf} resolves to %LOCALAPPDATA%\Programs when running without admin rights.
PrivilegesRequired=lowest
DefaultDirName={autopf}\ClusterTrust
DisableProgramGroupPage=yes
DisableDirPage=auto
OutputBaseFilename=ClusterTrust-{#AppVersion}-setup
SetupIconFile=clustertrust.ico
UninstallDisplayIcon={app}\clustertrust-gui.exe
UninstallDisplayName=ClusterTrust
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
ChangesEnvironment=yes
CloseApplications=yes

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; Flags: unchecked
Name: "addtopath"; Description: "Add the clustertrust command to my PATH"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\ClusterTrust"; Filename: "{app}\clustertrust-gui.exe"
Name: "{autodesktop}\ClusterTrust"; Filename: "{app}\clustertrust-gui.exe"; Tasks: desktopicon

[Registry]
Root: HKCU; Subkey: "Environment"; ValueType: expandsz; ValueName: "Path"; \
  ValueData: "{olddata};{app}"; Tasks: addtopath; Check: NeedsAddPath(ExpandConstant('{app}'))

[Run]
Filename: "{app}\clustertrust-gui.exe"; Description: "{cm:LaunchProgram,ClusterTrust}"; \
  Flags: nowait postinstall skipifsilent

[Code]
function PathContains(Path, Dir: string): Boolean;
begin
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Path) + ';') > 0;
end;

function NeedsAddPath(Dir: string): Boolean;
var
  Path: string;
begin
  if not RegQueryStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', Path) then
    Path := '';
  Result := not PathContains(Path, Dir);
end;

procedure RemoveFromUserPath(Dir: string);
var
  Path: string;
  Index: Integer;
begin
  if not RegQueryStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', Path) then
    exit;
  Path := ';' + Path + ';';
  Index := Pos(';' + Uppercase(Dir) + ';', Uppercase(Path));
  if Index = 0 then
    exit;
  Delete(Path, Index, Length(Dir) + 1);
  Path := Copy(Path, 2, Length(Path) - 2);
  RegWriteExpandStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', Path);
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usPostUninstall then
    RemoveFromUserPath(ExpandConstant('{app}'));
end;
