using System.Globalization;
using Shira.Format;
using Shira.Format.Container;
using Shira.Runtime;
using Shira.Runtime.Journal;

// Usage: apply BASE ADAPTER [SCALE] | revert BASE | switch BASE TO | hold BASE inplace|cow
// Prints READY once the base is open (so a test can time random kills after it) and DONE at the end.
// `hold` keeps the base open (and so its lock) until standard input closes.
// SHIRA_CRASH_AT (read here, not by the library) names a step at which to print CRASHPOINT and hang until killed.
string? crashAt = Environment.GetEnvironmentVariable("SHIRA_CRASH_AT");
if (crashAt is not null)
    CrashPoints.Hook = point =>
    {
        if (!string.Equals(point, crashAt, StringComparison.Ordinal)) return;
        Console.Out.WriteLine("CRASHPOINT " + point);
        Console.Out.Flush();
        Thread.Sleep(Timeout.Infinite);
    };
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
