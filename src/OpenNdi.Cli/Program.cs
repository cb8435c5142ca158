Console.WriteLine("ndi");
