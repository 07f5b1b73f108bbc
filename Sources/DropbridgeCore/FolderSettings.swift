/// The part of the configuration the folder code needs: where the five folders and the private
/// state are, and the modes of what dropbridge creates there. `DropFolder` takes this, never the
/// whole `BridgeConfig`.
package struct FolderSettings: Sendable, Equatable {
    package var folders: BridgeConfig.Folders
    package var state: StateLayout
    /// `fileMode`: every file dropbridge writes.
    package var fileMode: UInt32
    /// `folderMode`: the folders dropbridge creates.
    package var folderMode: UInt32

    package init(folders: BridgeConfig.Folders, state: StateLayout, fileMode: UInt32 = 0o640, folderMode: UInt32 = 0o2750) {
        self.folders = folders
        self.state = state
        self.fileMode = fileMode
        self.folderMode = folderMode
    }

    /// `folderMode` plus group write: the producers' group drops files into `outbox/`.
    package var outboxFolderMode: UInt32 { folderMode | 0o020 }
}

extension BridgeConfig {
    package var folderSettings: FolderSettings {
        FolderSettings(folders: folders, state: state, fileMode: fileMode, folderMode: folderMode)
    }
}
