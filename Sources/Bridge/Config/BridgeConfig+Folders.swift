import DropFolder
import DropbridgeCore

// The folder code takes `FolderSettings`; these read them from the whole configuration for the
// services and commands that hold one.

extension FolderLayout {
    package static func prepare(_ config: BridgeConfig) throws {
        try prepare(config.folderSettings)
    }
}

extension DurableFiles {
    package init(config: BridgeConfig) {
        self.init(settings: config.folderSettings)
    }
}

extension ClaimArea {
    package init(config: BridgeConfig) {
        self.init(settings: config.folderSettings)
    }
}
