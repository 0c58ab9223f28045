extension Array {
    /// Lets go of the room an array grew into (appending doubles it: up to as much again as it
    /// holds) once nothing more is appended; kept when it is a sixteenth or less. For arrays
    /// of a million rows held to the end of a command.
    public mutating func releaseGrowthRoom() {
        if capacity - count > count / 16 { self = withUnsafeBufferPointer { Array($0) } }
    }
}
