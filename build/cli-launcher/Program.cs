using System;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Security.Principal;
using System.Text;
using System.Threading;

namespace NdesCompanion.Cli
{
    /// <summary>
    /// Starts the installed companion beside this file with "--cli" alone, hands it the arguments
    /// typed as the first line of its standard input (a JSON array), relays the rest of standard
    /// input, its output and error byte for byte (UTF-8), and exits with its exit code. The
    /// arguments never reach the companion's command line, where Chromium would act on any
    /// "--switch" among them (a command prefix, a log file, a debugging port) in the elevated
    /// process, and where Electron refuses a URL followed by another argument.
    /// </summary>
    public static class Program
    {
        public const string AppExecutable = "NDES Proxy Companion.exe";
        private const int Interrupted = 130;

        public static int Main(string[] args)
        {
            string folder = AppDomain.CurrentDomain.BaseDirectory;
            string app = Path.Combine(folder, AppExecutable);
            if (!File.Exists(app))
            {
                Console.Error.WriteLine("ndes-companion: " + app + " is missing. Repair or reinstall NDES Proxy Companion.");
                return 1;
            }
            // Asked here rather than by a requireAdministrator manifest: that would open a new
            // elevated console window, and the output and exit code would be lost.
            if (IsWindows && !IsAdministrator())
            {
                Console.Error.WriteLine("ndes-companion: run it from an elevated prompt (Run as administrator): the companion reads and changes this server.");
                return 1;
            }
            var info = new ProcessStartInfo(app, "--cli")
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = Environment.CurrentDirectory,
            };
            Process? child;
            try
            {
                child = Process.Start(info);
            }
            catch (Win32Exception error)
            {
                Console.Error.WriteLine("ndes-companion: " + app + " could not be started: " + error.Message);
                return 1;
            }
            if (child == null)
            {
                Console.Error.WriteLine("ndes-companion: " + app + " did not start.");
                return 1;
            }
            using (child)
            using (var job = KillOnClose.For(child))
            {
                // Ctrl+C or Ctrl+Break: the companion (a windowed program) gets no console signal;
                // it and what it started (PowerShell, an installer) are stopped together here.
                Console.CancelKeyPress += (sender, e) =>
                {
                    e.Cancel = true;
                    job.Stop(child);
                };
                Stream input = child.StandardInput.BaseStream;
                byte[] line = new UTF8Encoding(false).GetBytes(Arguments.ToJson(args) + "\n");
                input.Write(line, 0, line.Length);
                input.Flush();
                int codePage = UseUtf8Console();
                try
                {
                    var output = new Thread(() => Copy(child.StandardOutput.BaseStream, Console.OpenStandardOutput())) { IsBackground = true };
                    var errors = new Thread(() => Copy(child.StandardError.BaseStream, Console.OpenStandardError())) { IsBackground = true };
                    var forward = new Thread(() => Forward(input)) { IsBackground = true };
                    output.Start();
                    errors.Start();
                    forward.Start();
                    child.WaitForExit();
                    // A grandchild that inherited the pipes must not keep this console waiting.
                    output.Join(5000);
                    errors.Join(5000);
                    return job.Stopped ? Interrupted : child.ExitCode;
                }
                finally
                {
                    RestoreConsole(codePage);
                }
            }
        }

        private static bool IsWindows => Environment.OSVersion.Platform == PlatformID.Win32NT;

        private static bool IsAdministrator()
        {
            using (var identity = WindowsIdentity.GetCurrent())
            {
                return new WindowsPrincipal(identity).IsInRole(WindowsBuiltInRole.Administrator);
            }
        }

        /// <summary>The companion writes UTF-8: a console shows it as such while it runs, then gets its code page back.</summary>
        private static int UseUtf8Console()
        {
            if (!IsWindows || Console.IsOutputRedirected) return 0;
            int previous = NativeMethods.GetConsoleOutputCP();
            NativeMethods.SetConsoleOutputCP(65001);
            return previous;
        }

        private static void RestoreConsole(int codePage)
        {
            if (codePage != 0) NativeMethods.SetConsoleOutputCP(codePage);
        }

        private static void Copy(Stream from, Stream to)
        {
            var buffer = new byte[8192];
            int read;
            try
            {
                while ((read = from.Read(buffer, 0, buffer.Length)) > 0)
                {
                    to.Write(buffer, 0, read);
                    to.Flush();
                }
            }
            catch (IOException)
            {
                // The console or pipe went away; the exit code still says how it ended.
            }
        }

        /// <summary>What the admin pipes in (a PFX password, a token) goes to the companion byte for byte, and its end too.</summary>
        private static void Forward(Stream input)
        {
            try
            {
                using (input)
                {
                    Copy(Console.OpenStandardInput(), input);
                }
            }
            catch (IOException)
            {
                // The companion ended before all of standard input was read.
            }
        }
    }

    /// <summary>
    /// A Windows job object that holds the companion and everything it starts, closed when the
    /// launcher ends however it ends (a closed console included), which ends them all.
    /// </summary>
    internal sealed class KillOnClose : IDisposable
    {
        private readonly IntPtr handle;
        public bool Stopped { get; private set; }

        private KillOnClose(IntPtr handle)
        {
            this.handle = handle;
        }

        public static KillOnClose For(Process child)
        {
            if (Environment.OSVersion.Platform != PlatformID.Win32NT) return new KillOnClose(IntPtr.Zero);
            IntPtr job = NativeMethods.CreateJobObject(IntPtr.Zero, null);
            if (job == IntPtr.Zero) return new KillOnClose(IntPtr.Zero);
            var limits = new NativeMethods.JobObjectExtendedLimitInformation();
            limits.BasicLimitInformation.LimitFlags = NativeMethods.JobObjectLimitKillOnJobClose;
            int size = Marshal.SizeOf(typeof(NativeMethods.JobObjectExtendedLimitInformation));
            IntPtr buffer = Marshal.AllocHGlobal(size);
            try
            {
                Marshal.StructureToPtr(limits, buffer, false);
                NativeMethods.SetInformationJobObject(job, NativeMethods.JobObjectExtendedLimitInformationClass, buffer, (uint)size);
                NativeMethods.AssignProcessToJobObject(job, child.Handle);
            }
            finally
            {
                Marshal.FreeHGlobal(buffer);
            }
            return new KillOnClose(job);
        }

        public void Stop(Process child)
        {
            Stopped = true;
            try
            {
                if (handle != IntPtr.Zero) NativeMethods.TerminateJobObject(handle, 130);
                else child.Kill();
            }
            catch (Exception)
            {
                // Already gone.
            }
        }

        public void Dispose()
        {
            if (handle != IntPtr.Zero) NativeMethods.CloseHandle(handle);
        }
    }

    internal static class NativeMethods
    {
        public const uint JobObjectLimitKillOnJobClose = 0x2000;
        public const int JobObjectExtendedLimitInformationClass = 9;

        [StructLayout(LayoutKind.Sequential)]
        public struct JobObjectBasicLimitInformation
        {
            public long PerProcessUserTimeLimit;
            public long PerJobUserTimeLimit;
            public uint LimitFlags;
            public UIntPtr MinimumWorkingSetSize;
            public UIntPtr MaximumWorkingSetSize;
            public uint ActiveProcessLimit;
            public UIntPtr Affinity;
            public uint PriorityClass;
            public uint SchedulingClass;
        }

        [StructLayout(LayoutKind.Sequential)]
        public struct IoCounters
        {
            public ulong ReadOperationCount;
            public ulong WriteOperationCount;
            public ulong OtherOperationCount;
            public ulong ReadTransferCount;
            public ulong WriteTransferCount;
            public ulong OtherTransferCount;
        }

        [StructLayout(LayoutKind.Sequential)]
        public struct JobObjectExtendedLimitInformation
        {
            public JobObjectBasicLimitInformation BasicLimitInformation;
            public IoCounters IoInfo;
            public UIntPtr ProcessMemoryLimit;
            public UIntPtr JobMemoryLimit;
            public UIntPtr PeakProcessMemoryUsed;
            public UIntPtr PeakJobMemoryUsed;
        }

        [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        public static extern IntPtr CreateJobObject(IntPtr attributes, string? name);

        [DllImport("kernel32.dll", SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        public static extern bool SetInformationJobObject(IntPtr job, int infoClass, IntPtr info, uint length);

        [DllImport("kernel32.dll", SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        public static extern bool AssignProcessToJobObject(IntPtr job, IntPtr process);

        [DllImport("kernel32.dll", SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        public static extern bool TerminateJobObject(IntPtr job, uint exitCode);

        [DllImport("kernel32.dll", SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        public static extern bool CloseHandle(IntPtr handle);

        [DllImport("kernel32.dll")]
        public static extern int GetConsoleOutputCP();

        [DllImport("kernel32.dll")]
        [return: MarshalAs(UnmanagedType.Bool)]
        public static extern bool SetConsoleOutputCP(int codePage);
    }

    /// <summary>The arguments as one line of JSON: an array of strings, every control character escaped.</summary>
    public static class Arguments
    {
        public static string ToJson(string[] args)
        {
            var json = new StringBuilder("[");
            for (int i = 0; i < args.Length; i++)
            {
                if (i > 0) json.Append(',');
                json.Append('"');
                foreach (char c in args[i])
                {
                    switch (c)
                    {
                        case '"': json.Append("\\\""); break;
                        case '\\': json.Append("\\\\"); break;
                        default:
                            if (c < 0x20 || c == 0x2028 || c == 0x2029) json.Append("\\u").Append(((int)c).ToString("x4"));
                            else json.Append(c);
                            break;
                    }
                }
                json.Append('"');
            }
            return json.Append(']').ToString();
        }
    }
}
