using System.Collections;

namespace SocketIoChat.SocketIo.Adapter;

/// <summary>
/// A set of strings (ordinal) that is one string most of the time — a socket's rooms are usually
/// just its own, and that room has just that socket — so it holds one reference until a second
/// member comes, and only then a <see cref="HashSet{T}"/> (a set per socket and per room is
/// most of what an idle connection costs the adapter). Not thread-safe: used under the rooms' lock.
/// </summary>
internal sealed class CompactStringSet : IEnumerable<string>
{
    private string? _single;
    private HashSet<string>? _many;

    public int Count => _many?.Count ?? (_single is null ? 0 : 1);

    public bool Contains(string item) => _many?.Contains(item) ?? string.Equals(_single, item, StringComparison.Ordinal);

    public bool Add(string item)
    {
        if (_many is not null)
        {
            return _many.Add(item);
        }
        if (_single is null)
        {
            _single = item;
            return true;
        }
        if (string.Equals(_single, item, StringComparison.Ordinal))
        {
            return false;
        }
        _many = new HashSet<string>(StringComparer.Ordinal) { _single, item };
        _single = null;
        return true;
    }

    public bool Remove(string item)
    {
        if (_many is not null)
        {
            return _many.Remove(item);
        }
        if (!string.Equals(_single, item, StringComparison.Ordinal))
        {
            return false;
        }
        _single = null;
        return true;
    }

    public Enumerator GetEnumerator() => new(this);

    IEnumerator<string> IEnumerable<string>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Enumerates without allocating in <c>foreach</c>.</summary>
    public struct Enumerator : IEnumerator<string>
    {
        private readonly string? _single;
        private HashSet<string>.Enumerator _many;
        private readonly bool _isMany;
        private int _state;

        internal Enumerator(CompactStringSet set)
        {
            _single = set._single;
            _isMany = set._many is not null;
            _many = _isMany ? set._many!.GetEnumerator() : default;
            Current = "";
        }

        public string Current { get; private set; }

        readonly object IEnumerator.Current => Current;

        public bool MoveNext()
        {
            if (_isMany)
            {
                if (_many.MoveNext())
                {
                    Current = _many.Current;
                    return true;
                }
                return false;
            }
            if (_state == 0 && _single is not null)
            {
                _state = 1;
                Current = _single;
                return true;
            }
            return false;
        }

        public void Reset() => throw new NotSupportedException();

        public readonly void Dispose()
        {
        }
    }
}
