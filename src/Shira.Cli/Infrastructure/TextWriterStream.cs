using System.Text;

namespace Shira.Cli.Infrastructure;

/// <summary>A write-only stream that decodes UTF-8 into a <see cref="TextWriter"/>, so JSON written with
/// <see cref="System.Text.Json.Utf8JsonWriter"/> reaches the console (or a test's StringWriter) in chunks rather than
/// as one buffer and one string the size of the whole output.</summary>
internal sealed class TextWriterStream(TextWriter output) : Stream
{
    private readonly Decoder _decoder = new UTF8Encoding(false, true).GetDecoder();
    private char[] _chars = new char[4096];

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        int need = _decoder.GetCharCount(buffer, flush: false);
        if (need > _chars.Length) _chars = new char[Math.Max(need, _chars.Length * 2)];
        int n = _decoder.GetChars(buffer, _chars, flush: false);
        output.Write(_chars, 0, n);
    }

    public override void Flush() => output.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
