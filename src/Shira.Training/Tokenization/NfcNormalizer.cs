using System.Text;
using Microsoft.ML.Tokenizers;

namespace Shira.Training.Tokenization;

/// <summary>Unicode NFC, the normalizer Qwen2's <c>tokenizer.json</c> declares.</summary>
internal sealed class NfcNormalizer : Normalizer
{
    public override string Normalize(string original) => original.Normalize(NormalizationForm.FormC);

    public override string Normalize(ReadOnlySpan<char> original) => original.ToString().Normalize(NormalizationForm.FormC);
}
