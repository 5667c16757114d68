namespace Shira.Training.Tests.Models;

/// <summary>
/// An independent LLaMA/Mistral/Qwen2 forward in plain double-precision loops, written from Hugging Face's
/// modeling_llama.py / modeling_qwen2.py / modeling_mistral.py (not from this project's model code), over weights
/// held by name in a dictionary as a checkpoint stores them ([out, in] row-major).
/// </summary>
internal sealed class ReferenceLlama(Dictionary<string, float[]> w, ReferenceLlama.Shape s)
{
    internal sealed record Shape(int Vocab, int Hidden, int Inter, int Layers, int Heads, int KvHeads, int HeadDim,
        double Theta, double Eps, bool Tied, bool QkvBias, bool OBias, int Window);

    /// <summary>Logits [T, vocab] for one sequence.</summary>
    public double[][] Forward(int[] ids)
    {
        int t = ids.Length;
        var h = new double[t][];
        var emb = w["model.embed_tokens.weight"];
        for (int p = 0; p < t; p++) h[p] = Enumerable.Range(0, s.Hidden).Select(i => (double)emb[ids[p] * s.Hidden + i]).ToArray();
        for (int l = 0; l < s.Layers; l++)
        {
            string pre = $"model.layers.{l}.";
            var x = h.Select(r => Norm(r, w[pre + "input_layernorm.weight"])).ToArray();
            var q = x.Select(r => Linear(r, pre + "self_attn.q_proj", s.QkvBias)).ToArray();
            var k = x.Select(r => Linear(r, pre + "self_attn.k_proj", s.QkvBias)).ToArray();
            var v = x.Select(r => Linear(r, pre + "self_attn.v_proj", s.QkvBias)).ToArray();
            for (int p = 0; p < t; p++)
            {
                for (int head = 0; head < s.Heads; head++) Rotate(q[p], head * s.HeadDim, p);
                for (int head = 0; head < s.KvHeads; head++) Rotate(k[p], head * s.HeadDim, p);
            }
            var ctx = new double[t][];
            int group = s.Heads / s.KvHeads;
            for (int p = 0; p < t; p++)
            {
                ctx[p] = new double[s.Heads * s.HeadDim];
                for (int head = 0; head < s.Heads; head++)
                {
                    int kv = head / group;
                    var scores = new double[p + 1];
                    double max = double.NegativeInfinity;
                    for (int j = 0; j <= p; j++)
                    {
                        if (s.Window > 0 && p - j >= s.Window) { scores[j] = double.NegativeInfinity; continue; }
                        double dot = 0;
                        for (int d = 0; d < s.HeadDim; d++) dot += q[p][head * s.HeadDim + d] * k[j][kv * s.HeadDim + d];
                        scores[j] = dot / Math.Sqrt(s.HeadDim);
                        max = Math.Max(max, scores[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= p; j++) sum += scores[j] = Math.Exp(scores[j] - max);
                    for (int j = 0; j <= p; j++)
                        for (int d = 0; d < s.HeadDim; d++)
                            ctx[p][head * s.HeadDim + d] += scores[j] / sum * v[j][kv * s.HeadDim + d];
                }
            }
            for (int p = 0; p < t; p++)
            {
                var o = Linear(ctx[p], pre + "self_attn.o_proj", s.OBias);
                for (int i = 0; i < s.Hidden; i++) h[p][i] += o[i];
                var n = Norm(h[p], w[pre + "post_attention_layernorm.weight"]);
                var gate = Linear(n, pre + "mlp.gate_proj", false);
                var up = Linear(n, pre + "mlp.up_proj", false);
                var act = new double[s.Inter];
                for (int i = 0; i < s.Inter; i++) act[i] = gate[i] / (1 + Math.Exp(-gate[i])) * up[i];
                var down = Linear(act, pre + "mlp.down_proj", false);
                for (int i = 0; i < s.Hidden; i++) h[p][i] += down[i];
            }
        }
        var head2 = s.Tied ? "model.embed_tokens" : "lm_head";
        return h.Select(r => Linear(Norm(r, w["model.norm.weight"]), head2, false)).ToArray();
    }

    private double[] Norm(double[] x, float[] weight)
    {
        double ms = x.Sum(v => v * v) / x.Length;
        double r = 1 / Math.Sqrt(ms + s.Eps);
        return x.Select((v, i) => v * r * weight[i]).ToArray();
    }

    private double[] Linear(double[] x, string name, bool bias)
    {
        var m = w[name + ".weight"];
        int inF = x.Length, outF = m.Length / inF;
        var y = new double[outF];
        for (int o = 0; o < outF; o++)
        {
            double acc = bias ? w[name + ".bias"][o] : 0;
            for (int i = 0; i < inF; i++) acc += m[o * inF + i] * x[i];
            y[o] = acc;
        }
        return y;
    }

    // rotate_half convention: pair (i, i + d/2) rotated by pos · θ^(−2i/d).
    private void Rotate(double[] v, int offset, int pos)
    {
        int half = s.HeadDim / 2;
        for (int i = 0; i < half; i++)
        {
            double angle = pos * Math.Pow(s.Theta, -2.0 * i / s.HeadDim);
            double a = v[offset + i], b = v[offset + i + half];
            v[offset + i] = a * Math.Cos(angle) - b * Math.Sin(angle);
            v[offset + i + half] = b * Math.Cos(angle) + a * Math.Sin(angle);
        }
    }
}
