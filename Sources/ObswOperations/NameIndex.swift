/// Where each name is in an array of names, without a dictionary of copies of them: a table
/// of places (4 bytes a slot, at least twice as many slots as names) probed by the name's
/// hash, each hit checked against the array. For a million targets it is 8 MB where a
/// `Set` or `Dictionary` of the names took ~60.
struct NameIndex {
    /// A place plus one; 0 is an empty slot.
    private var slots: [UInt32]
    private var mask: Int
    private var count = 0

    /// Room for `capacity` names without growing.
    init(capacity: Int) {
        var size = 16
        while size < 2 * capacity { size *= 2 }
        slots = Array(repeating: 0, count: size)
        mask = size - 1
    }

    /// The place of `name` in `names` (the array whose places were added), or nil.
    func place(of name: String, in names: [String]) -> Int? {
        var slot = name.hashValue & mask
        while slots[slot] != 0 {
            let place = Int(slots[slot] - 1)
            if names[place] == name { return place }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Adds `names[place]`, whose name is not in yet.
    mutating func add(_ place: Int, of names: [String]) {
        if 2 * (count + 1) > slots.count { grow(names) }
        store(UInt32(place + 1), for: names[place])
        count += 1
    }

    /// Twice the slots, every place added again (only when more names come than said).
    private mutating func grow(_ names: [String]) {
        let places = slots.filter { $0 != 0 }
        slots = Array(repeating: 0, count: slots.count * 2)
        mask = slots.count - 1
        for stored in places { store(stored, for: names[Int(stored - 1)]) }
    }

    /// Puts `stored` (a place plus one) in the first empty slot from `name`'s hash.
    private mutating func store(_ stored: UInt32, for name: String) {
        var slot = name.hashValue & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = stored
    }
}
