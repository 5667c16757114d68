using System.Globalization;
using Shira.Format;
using Shira.Format.Container;
using Shira.Runtime;

// Usage: apply BASE ADAPTER [SCALE] | revert BASE | switch BASE TO | hold BASE inplace|cow
// Prints READY once the base is open (so a test can time random kills after it) and DONE at the end.
// `hold` keeps the base open (and so its lock) until standard input closes.
try
{
    string verb = args[0], basePath = args[1];
    var mode = verb == "hold" && args[2] == "cow" ? BaseOpenMode.CopyOnWrite : BaseOpenMode.InPlace;
    using var model = BaseModel.Open(basePath, mode);
    Console.Out.WriteLine("READY");
    Console.Out.Flush();
    switch (verb)
    {
        case "apply":
            {
                using var r = ShiraReader.Open(args[2]);
                float scale = args.Length > 3 ? float.Parse(args[3], CultureInfo.InvariantCulture) : 1f;
                model.Apply(r, scale);
                break;
            }
        case "revert":
            model.Revert();
            break;
        case "hold":
            Console.In.ReadToEnd();
            break;
        case "switch":
            {
                using var r = ShiraReader.Open(args[2]);
                model.Switch(r);
                break;
            }
        default:
            Console.Error.WriteLine("unknown verb " + verb);
            return 2;
    }
    Console.Out.WriteLine("DONE");
    return 0;
}
catch (ShiraException e)
{
    Console.Error.WriteLine(e.ToString());
    return 1;
}
